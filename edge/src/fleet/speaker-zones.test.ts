import { afterEach, describe, expect, it } from 'vitest';
import { startSimSpeaker, type SimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';
import { startLocalPushService } from '../../../cloud/src/notifications/webpush/testing/local-push-service.js';
import { SESSION_COOKIE } from '../../../cloud/src/auth/session-cookie.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import type { EdgeDaemon } from '../daemon.js';

/**
 * Loudspeaker zones end to end: a real cloud (HTTP, Aedes, SQLite), a real box daemon and a
 * simulated IP loudspeaker (RTP + /status), with a local Web Push service for the notifications.
 */
describe('loudspeaker zones from a real box: health, history, alarm, notification, volume and mute', () => {
  let test: TestCloud | null = null;
  let daemon: EdgeDaemon | null = null;
  let speaker: SimSpeaker | null = null;
  let push: Awaited<ReturnType<typeof startLocalPushService>> | null = null;
  afterEach(async () => {
    await daemon?.stop();
    await speaker?.close();
    await test?.stop();
    await push?.close();
    daemon = null;
    speaker = null;
    test = null;
    push = null;
  });

  /** A box in ấp 2A with one simulated speaker as zone `cho`, telemetry every 2 s; returns its id. */
  async function boxWithSpeaker(t: TestCloud, s: SimSpeaker): Promise<string> {
    const edge = await provisionTestEdge(t, 'ap-2a', 'Tủ chợ');
    daemon = await startTestEdge(edge.dataDir);
    const put = await t.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 2,
      radio: { speakers: [{ zone: 'cho', driver: 'sim', target: s.target, volume: 80, statusUrl: s.statusUrl }] },
    });
    expect(put.status).toBe(200);
    return edge.edgeId;
  }

  it('a speaker that stops answering: telemetry, history, alarm after the set time, banner and notification; back: all cleared', async () => {
    push = await startLocalPushService();
    test = await startTestCloud({ SC_SPEAKER_ALARM_AFTER_S: 1.5, SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true });
    const t = test;
    speaker = await startSimSpeaker();
    // an operator (radio) and a police officer, each with a phone subscribed to Web Push
    const phones: Record<string, string> = {};
    const sessions: Record<string, string> = {};
    for (const [username, role] of [['op-1', 'operator'], ['police-1', 'police']] as const) {
      const created = await t.api<{ id: string }>('POST', '/api/v1/users', { username, role, password: `password-of-${username}`, mustChangePassword: false });
      expect(created.status).toBe(201);
      const device = push.newDevice();
      t.cloud.webPush.subscriptions.subscribe(created.body.id, { endpoint: device.endpoint, p256dh: device.keys.p256dh, auth: device.keys.auth, label: 'Chrome trên Android' });
      phones[role] = device.id;
      sessions[role] = await t.login(username, `password-of-${username}`);
    }
    const edgeId = await boxWithSpeaker(t, speaker);
    const zoneOf = async () => (await t.api('GET', `/api/v1/edges/${edgeId}/speakers`)).body as { zones: any[]; history: any[] };
    await waitFor(async () => (await zoneOf()).zones[0]?.reported?.state === 'ok', 'the zone reported ok', 20_000);
    expect((await zoneOf()).zones[0].reported).toMatchObject({ zone: 'cho', state: 'ok', reachable: true, playing: false, volume: 80, muted: false, lastError: null });
    const page = async (role: string) => (await t.cloud.app.request('/radio/playback', { headers: { cookie: `${SESSION_COOKIE}=${sessions[role]}` } })).text();
    expect(await page('operator')).not.toContain('alarm-banner');

    const downAt = Date.now();
    speaker.setFaults({ offline: true }); // its /status answers 503 and it drops what it is sent
    await waitFor(async () => (await zoneOf()).zones[0]?.reported?.state === 'offline', 'the zone reported offline', 20_000);
    const down = await zoneOf();
    expect(down.zones[0].reported).toMatchObject({ state: 'offline', reachable: false, lastError: { message: expect.stringContaining('503') } });
    expect(down.history.map((h) => h.state)).toEqual(['offline', 'ok']);

    // the alarm only once the zone has been down longer than the set time
    await waitFor(async () => (await t.api('GET', '/api/v1/speakers/alarms')).body.alarms.length === 1, 'the alarm raised', 20_000);
    const [alarm] = (await t.api('GET', '/api/v1/speakers/alarms')).body.alarms;
    expect(alarm).toMatchObject({ edgeId, zone: 'cho', state: 'offline', hamletName: 'Ấp 2A', edgeName: 'Tủ chợ' });
    expect(alarm.raisedAt - alarm.downSince).toBeGreaterThanOrEqual(1500);
    expect(alarm.downSince).toBeGreaterThanOrEqual(downAt - 100);
    expect((await zoneOf()).zones[0].alarm).toMatchObject({ state: 'offline' });
    const metrics = await (await fetch(`${t.cloud.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^sc_speaker_alarms 1$/m);
    expect(metrics).toMatch(/^sc_speaker_alarms_raised_total 1$/m);
    // the banner on an operator's page (any page), not on the police's
    const banner = await page('operator');
    expect(banner).toContain('alarm-banner');
    expect(banner).toMatch(/1 vùng loa không phát được/);
    expect(banner).toContain('Ấp 2A — Tủ chợ — vùng cho');
    expect(await (await t.cloud.app.request('/police/incidents', { headers: { cookie: `${SESSION_COOKIE}=${sessions.police}` } })).text()).not.toContain('alarm-banner');
    // the notification: to the operator's phone, not the police's
    await waitFor(() => push!.for(phones.operator!).length === 1, 'the operator notified', 20_000);
    expect(push.for(phones.operator!)[0]!.payload).toMatchObject({ title: 'Loa không phát được: cho (Tủ chợ)', url: '/speakers', tag: `speaker:${edgeId}/cho` });

    speaker.setFaults({ offline: false });
    await waitFor(async () => (await t.api('GET', '/api/v1/speakers/alarms')).body.alarms.length === 0, 'the alarm cleared', 20_000);
    const back = await zoneOf();
    expect(back.zones[0].reported).toMatchObject({ state: 'ok', reachable: true, lastError: { message: expect.stringContaining('503') } });
    expect(back.zones[0].alarm).toBeNull();
    expect(back.history.map((h) => h.state)).toEqual(['ok', 'offline', 'ok']);
    expect(await page('operator')).not.toContain('alarm-banner');
    await waitFor(() => push!.for(phones.operator!).length === 2, 'the operator told it is back', 20_000);
    expect(push.for(phones.operator!)[1]!.payload).toMatchObject({ title: 'Loa phát lại được: cho (Tủ chợ)' });
    expect(push.for(phones.police!)).toHaveLength(0);
  }, 90_000);

  it('volume and mute set from the API change the level the simulated speaker receives while the item plays, without restarting it', async () => {
    test = await startTestCloud();
    const t = test;
    speaker = await startSimSpeaker();
    const edgeId = await boxWithSpeaker(t, speaker);
    await waitFor(async () => (await t.api('GET', `/api/v1/edges/${edgeId}/speakers`)).body.zones[0]?.applied === true, 'the box applied its speakers', 20_000);
    await waitFor(async () => (await t.api('GET', `/api/v1/edges/${edgeId}/speakers`)).body.zones[0]?.reported?.state === 'ok', 'the zone reported ok', 20_000);
    const zone = (body: unknown) => t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, body);
    const applied = async (version: number) =>
      waitFor(async () => (await t.api('GET', `/api/v1/edges/${edgeId}/config`)).body.reported?.version === version, `config version ${version} applied`, 10_000);

    const tone = await t.api('POST', `/api/v1/edges/${edgeId}/test-tone`, { durationMs: 8000, volume: 100 });
    expect(tone.status).toBe(200);
    // the box says the zone is playing (next telemetry)
    await waitFor(async () => (await t.api('GET', `/api/v1/edges/${edgeId}/speakers`)).body.zones[0]?.reported?.playing === true, 'the zone reported playing', 5000);
    await new Promise((r) => setTimeout(r, Math.max(0, tone.body.startedAt + 1500 - Date.now())));
    const half = await zone({ volume: 40 });
    expect(half.status).toBe(200);
    expect(half.body).toMatchObject({ zone: 'cho', volume: 40, muted: false });
    await applied((await t.api('GET', `/api/v1/edges/${edgeId}/config`)).body.version);
    await new Promise((r) => setTimeout(r, 1000));
    const muted = await zone({ muted: true });
    expect(muted.body).toMatchObject({ volume: 40, muted: true });
    await applied((await t.api('GET', `/api/v1/edges/${edgeId}/config`)).body.version);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await zone({ muted: false })).body).toMatchObject({ volume: 40, muted: false });
    await waitFor(() => speaker!.status().items.length > 0 && Date.now() - tone.body.startedAt > 8500, 'the tone over', 15_000);

    const items = speaker.status().items;
    expect(items).toHaveLength(1); // one item throughout: nothing restarted
    expect(items[0]!.lost).toBe(0);
    const levels = items[0]!.energyFingerprint;
    const full = Math.max(...levels.slice(2, 10));
    // 80 % zone volume, then 40 %: half the amplitude; then silence; then 40 % again
    const after = levels.slice(levels.findIndex((l) => l < full * 0.7) + 2);
    const reduced = after.filter((l) => l > 0);
    expect(reduced.length).toBeGreaterThan(3);
    for (const l of reduced.slice(0, 3)) expect(l / full).toBeCloseTo(0.5, 1);
    expect(after.filter((l) => l === 0).length).toBeGreaterThanOrEqual(3); // muted: the speaker received silence
    expect(levels.at(-3)! / full).toBeCloseTo(0.5, 1); // unmuted: 40 % again until the end
    await waitFor(async () => (await t.api('GET', `/api/v1/edges/${edgeId}/speakers`)).body.zones[0]?.reported?.volume === 40, 'the box reports volume 40', 5000);
  }, 60_000);

  it('refuses a volume out of range, a wrong type, an empty change and a zone that does not exist, with clear errors', async () => {
    test = await startTestCloud();
    const t = test;
    speaker = await startSimSpeaker();
    const edgeId = await boxWithSpeaker(t, speaker);
    const before = (await t.api('GET', `/api/v1/edges/${edgeId}/config`)).body.version;
    const tooLoud = await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, { volume: 101 });
    expect(tooLoud.status).toBe(400);
    expect(JSON.stringify(tooLoud.body)).toContain('volume must be 0–100');
    expect((await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, { volume: -1 })).status).toBe(400);
    expect((await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, { volume: 50.5 })).status).toBe(400);
    expect((await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, { muted: 'yes' })).status).toBe(400);
    const empty = await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, {});
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body)).toContain('give volume');
    const missing = await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/khong-co`, { volume: 50 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('loudspeaker zone "khong-co"');
    expect((await t.api('PUT', `/api/v1/edges/edg_none/speakers/cho`, { volume: 50 })).status).toBe(404);
    expect((await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/Chợ`, { volume: 50 })).status).toBe(400);
    // police may not; nothing changed
    await t.api('POST', '/api/v1/users', { username: 'police-1', role: 'police', password: 'password-of-police-1', mustChangePassword: false });
    const police = await t.login('police-1', 'password-of-police-1');
    expect((await t.api('PUT', `/api/v1/edges/${edgeId}/speakers/cho`, { volume: 50 }, police)).status).toBe(403);
    expect((await t.api('GET', `/api/v1/edges/${edgeId}/config`)).body.version).toBe(before);
  }, 60_000);
});
