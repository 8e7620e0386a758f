import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import type { EdgeDaemon } from '@smart-commune/edge';
import { decodeFile, trimmedPcmSha256 } from '../../../edge/src/radio/index.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { patchEdgeConfig, provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import { startDelayProxy, type DelayProxy } from '../network/delay-proxy.js';
import { startSimSpeaker, type SimSpeaker } from '../speakers/index.js';

const localTime = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

describe('a scheduled Vietnamese bulletin, from the operator to the hamlet loudspeaker', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let link: DelayProxy;
  let speaker: SimSpeaker;
  let daemon: EdgeDaemon;

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-2a');
    // the box reaches the broker over a slow link that the test can cut
    link = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(test.cloud.mqttUrl).port), minDelayMs: 50, maxDelayMs: 300 });
    patchEdgeConfig(edge.dataDir, { mqttUrl: `mqtt://127.0.0.1:${link.port}` });
    speaker = await startSimSpeaker({});
    daemon = await startTestEdge(edge.dataDir);
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge online');
    const config2 = await test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 10,
      radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
    });
    expect(config2.status).toBe(200);
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body.reported?.version === config2.body.version, 'speakers configured');
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await speaker?.close();
    await link?.close();
    await test?.stop();
  });

  it('plays at its start time while the link is cut, with the exact audio, and reports proof of play afterwards', async () => {
    const bulletin = await test.api('POST', '/api/v1/bulletins', {
      title: 'Thông báo họp dân',
      text: 'UBND xã Vị Tân thông báo: tối nay lúc 19:30 họp dân tại nhà văn hóa ấp 2A.',
      voice: 'vi-vn-x-south',
    });
    expect(bulletin.status).toBe(201);
    expect(bulletin.body.integratedLufs).toBeGreaterThan(-17);
    expect(bulletin.body.integratedLufs).toBeLessThan(-15);

    const startAt = Math.ceil((Date.now() + 12_000) / 1000) * 1000;
    const schedule = await test.api('POST', '/api/v1/schedules', {
      title: 'Họp dân ấp 2A',
      source: { kind: 'bulletin', bulletinId: bulletin.body.id },
      startsLocal: localTime(startAt),
      targets: { hamlets: ['ap-2a'] },
    });
    expect(schedule.status).toBe(201);

    // the plan and its audio reach the box, then the link goes down before the start time
    const asset = bulletin.body.asset.sha256 as string;
    await waitFor(() => daemon.radio.cache.has(asset), 'audio prefetched by the box', 10_000);
    link.cut();
    await waitFor(() => !daemon.link.connected, 'box offline');

    const durationMs = bulletin.body.asset.durationMs as number;
    await waitFor(() => Date.now() > startAt + durationMs + 1500, 'the bulletin to finish playing', 60_000, 200);
    const items = speaker.status().items.filter((i) => i.firstSampleAt !== null);
    expect(items).toHaveLength(1);
    const heard = items[0]!;
    const storedCopy = join(test.dataDir, 'stored-asset.ogg'); // read back from the cloud's media store
    await test.cloud.radio.bulletins.assets.copyTo(asset, storedCopy);
    const expected = trimmedPcmSha256(await decodeFile(storedCopy));
    expect(heard.sha256).toBe(expected);
    expect(heard.firstSampleAt!).toBeGreaterThan(startAt - 50);
    expect(speaker.status().overlaps).toBe(0);

    link.restore();
    const rows = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/playback?edge=${edge.edgeId}`);
      const states = (res.body.items as { state: string }[]).map((r) => r.state);
      return states.includes('started') && states.includes('completed') ? res.body.items : null;
    }, 'proof of play after the link is back', 30_000);
    const started = rows.find((r: { state: string }) => r.state === 'started');
    expect(started.plannedStartAt).toBe(startAt);
    expect(started.actualStartAt).toBeGreaterThanOrEqual(startAt - 50);
    expect(started.hamletCode).toBe('ap-2a');
    const csv = await test.api<string>('GET', `/api/v1/playback.csv?hamlet=ap-2a`);
    expect(csv.body).toContain('Họp dân ấp 2A');
  }, 120_000);

  it('plays a test tone on the hamlet loudspeaker when a technician asks through the API', async () => {
    await waitFor(() => daemon.link.connected, 'box back online');
    const before = speaker.status().items.length;
    const tone = await test.api('POST', `/api/v1/edges/${edge.edgeId}/test-tone`, { durationMs: 600, frequencyHz: 1000, volume: 50 });
    expect(tone.status).toBe(200);
    expect(tone.body.zones).toEqual(['main']);
    const heard = await waitFor(() => speaker.status().items.slice(before).find((i) => i.firstSampleAt !== null) ?? null, 'the tone on the loudspeaker');
    expect(heard.firstSampleAt!).toBeGreaterThanOrEqual(tone.body.startedAt - 50);
  }, 60_000);
});
