import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNE_TIME_ZONE, CONTRACT_VERSION } from '@smart-commune/shared';
import { provision, type EdgeDaemon } from '@smart-commune/edge';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';
import { startTestEdge } from '../../../test-support/edge.js';
import { freePort } from '../../../test-support/ports.js';
import { buildPreviousRelease, PREVIOUS_RELEASE, runRelease, runReleaseCommand, type ReleaseProcess } from '../../../test-support/previous-release.js';
import { waitFor } from '../../../test-support/wait.js';
import { startSimSpeaker, type SimSpeaker } from '../speakers/index.js';

/*
 * Mixed versions in the field: the previous release's box against this cloud, and this box against
 * the previous release's cloud, each side a real program (the previous release built from git at
 * its pinned commit and run as processes). Each pair must claim, report telemetry, take its config,
 * play a scheduled bulletin and an emergency alert, with nothing either side sends refused.
 */

const localTime = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

type Api = <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** A JSON client of a cloud's HTTP API with the admin's token. */
async function adminApi(baseUrl: string): Promise<Api> {
  const call = async (method: string, path: string, body: unknown, token: string | null) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text };
  };
  const login = await call('POST', '/api/v1/auth/token', { username: 'admin', password: TEST_ADMIN_PASSWORD }, null);
  if (login.status !== 200) throw new Error(`admin login failed: ${JSON.stringify(login.body)}`);
  return (method, path, body) => call(method, path, body, login.body.token as string);
}

const schemaRejections = async (api: Api) => {
  const text = (await api<string>('GET', '/metrics')).body;
  return Number(/sc_mqtt_rejected_total\{reason="schema"\} (\d+)/.exec(text)?.[1] ?? 0);
};

/** Claim → telemetry → config → a scheduled bulletin and an alert heard on the hamlet's loudspeaker, with proof of play. */
async function checkRadioPair(api: Api, edgeId: string, hamlet: string, speaker: SimSpeaker): Promise<void> {
  const online = await waitFor(async () => {
    const edge = (await api('GET', `/api/v1/edges/${edgeId}`)).body;
    return edge.online && edge.telemetry ? edge : null;
  }, 'the box online with telemetry', 20_000);
  expect(online.telemetry.protocolVersion).toBe(1);

  const config = await api('PUT', `/api/v1/edges/${edgeId}/config`, {
    telemetryIntervalS: 10,
    radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
  });
  expect(config.status).toBe(200);
  const applied = await waitFor(async () => {
    const reported = (await api('GET', `/api/v1/edges/${edgeId}/config`)).body.reported;
    return reported?.version === config.body.version ? reported : null;
  }, 'the config applied', 20_000);
  expect(applied.status).toBe('applied');

  const bulletin = await api('POST', '/api/v1/bulletins', { title: 'Thông báo họp dân', text: 'Tối nay họp dân tại nhà văn hóa ấp.', voice: 'vi-vn-x-south' });
  expect(bulletin.status).toBe(201);
  const startAt = Math.ceil((Date.now() + 10_000) / 1000) * 1000;
  const schedule = await api('POST', '/api/v1/schedules', {
    title: 'Họp dân',
    source: { kind: 'bulletin', bulletinId: bulletin.body.id },
    startsLocal: localTime(startAt),
    targets: { hamlets: [hamlet] },
  });
  expect(schedule.status).toBe(201);
  const heard = await waitFor(() => speaker.status().items.find((i) => i.firstSampleAt !== null) ?? null, 'the bulletin on the loudspeaker', 30_000);
  expect(heard.firstSampleAt!).toBeGreaterThan(startAt - 50);
  const bulletinPlayed = await waitFor(async () => {
    const rows = (await api('GET', `/api/v1/playback?edge=${edgeId}`)).body.items as { state: string; scheduleId: string }[];
    return rows.find((r) => r.state === 'completed' && r.scheduleId === schedule.body.id) ?? null;
  }, 'proof of play of the bulletin', 30_000);
  expect(bulletinPlayed).toBeTruthy();

  const alert = await api('POST', '/api/v1/alerts', { text: 'Nước lên nhanh, bà con di chuyển lên chỗ cao.', severity: 'severe', kind: 'flood', targets: { hamlets: [hamlet] }, expiresAt: Date.now() + 3600_000 });
  expect(alert.status).toBe(201);
  const alertHeard = await waitFor(() => (speaker.status().items.filter((i) => i.firstSampleAt !== null).length >= 2 ? true : null), 'the alert on the loudspeaker', 30_000);
  expect(alertHeard).toBe(true);
  const alertPlayed = await waitFor(async () => {
    const rows = (await api('GET', `/api/v1/playback?edge=${edgeId}`)).body.items as { state: string; occurrenceId: string }[];
    return rows.find((r) => r.state === 'started' && r.occurrenceId === `alert:${alert.body.id}:0`) ?? null;
  }, 'proof of play of the alert', 30_000);
  expect(alertPlayed).toBeTruthy();
}

it('names what is missing when the pinned commit is not in the clone (a shallow clone)', () => {
  expect(() => buildPreviousRelease('f'.repeat(40))).toThrow(/previous release f{40} .* is not in this clone: (it is a shallow clone|fetch it)/);
});

let release = '';
beforeAll(() => {
  release = buildPreviousRelease();
}, 300_000);

describe(`the previous release's box (${PREVIOUS_RELEASE.commit.slice(0, 10)}) against this cloud`, () => {
  let test: TestCloud;
  let speaker: SimSpeaker;
  let box: ReleaseProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-old-edge-'));

  beforeAll(async () => {
    test = await startTestCloud();
    speaker = await startSimSpeaker({});
  });
  afterAll(async () => {
    await box?.stop();
    await speaker?.close();
    await test?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is claimed, reports, takes its config, plays a schedule and an alert; the cloud counts it revision 1', async () => {
    const created = await test.api('POST', '/api/v1/edges', { name: 'Tủ ấp 6 (bản cũ)', hamletCode: 'ap-6' });
    const token = await test.api('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
    const provisioned = await runReleaseCommand(release, 'edge', ['provision', '--cloud', test.cloud.httpUrl, '--token', token.body.token, '--data-dir', dataDir]);
    expect(provisioned.code, provisioned.output).toBe(0);
    box = runRelease(release, 'edge', ['run', '--data-dir', dataDir], { SC_LOG_LEVEL: 'warn', SC_EDGE_DISCOVERY_EVERY_S: '0' });
    const api: Api = (method, path, body) => test.api(method, path, body);
    try {
      await checkRadioPair(api, created.body.id, 'ap-6', speaker);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- the previous release's box said:\n${box.output()}`);
    }
    const compatibility = (await test.api('GET', `/api/v1/edges/${created.body.id}/compatibility`)).body;
    expect(compatibility.box).toMatchObject({ version: 1, features: [] });
    expect(compatibility.missing.map((m: { feature: string }) => m.feature)).toContain('documents.tolerant');
    for (const doc of compatibility.documents) expect(doc.reported?.status ?? 'applied').toBe('applied');
    expect(await schemaRejections(api)).toBe(0);
  }, 150_000);
});

describe(`this box against the previous release's cloud (${PREVIOUS_RELEASE.commit.slice(0, 10)})`, () => {
  let cloud: ReleaseProcess | null = null;
  let daemon: EdgeDaemon | null = null;
  let speaker: SimSpeaker;
  const cloudDir = mkdtempSync(join(tmpdir(), 'sc-old-cloud-'));
  const edgeDir = mkdtempSync(join(tmpdir(), 'sc-new-edge-'));

  afterAll(async () => {
    await daemon?.stop();
    await cloud?.stop();
    await speaker?.close();
    rmSync(cloudDir, { recursive: true, force: true });
    rmSync(edgeDir, { recursive: true, force: true });
  });

  it('is claimed, reports, takes its config, plays a schedule and an alert; nothing it sends is refused', async () => {
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    cloud = runRelease(release, 'cloud', [], {
      SC_DATA_DIR: cloudDir,
      SC_HTTP_PORT: String(httpPort),
      SC_MQTT_PORT: String(mqttPort),
      SC_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      SC_LOG_LEVEL: 'warn',
    });
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    await waitFor(async () => (await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false)) || null, `the previous cloud answering\n${cloud.output()}`, 30_000);
    const api = await adminApi(baseUrl);
    speaker = await startSimSpeaker({});
    const created = await api('POST', '/api/v1/edges', { name: 'Tủ ấp 7 (bản mới)', hamletCode: 'ap-7' });
    const token = await api('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
    await provision({ cloudUrl: baseUrl, token: token.body.token, dataDir: edgeDir });
    daemon = await startTestEdge(edgeDir);
    try {
      await checkRadioPair(api, created.body.id, 'ap-7', speaker);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- the previous release's cloud said:\n${cloud.output()}`);
    }
    // the older cloud announces nothing: the box counts it revision 1, below its own
    expect(daemon.cloudContract.current()).toBeNull();
    expect(CONTRACT_VERSION).toBeGreaterThan(1);
    expect(await schemaRejections(api)).toBe(0);
  }, 150_000);
});
