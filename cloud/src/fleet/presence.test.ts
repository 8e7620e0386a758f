import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Telemetry } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { MISSED_HEARTBEATS } from './presence.js';

const telemetry = (intervalS: number): Telemetry => ({
  ts: Date.now(),
  hostname: 'tu-ap-1',
  softwareVersion: '0.1.0',
  protocolVersion: 1,
  intervalS,
  uptimeS: { host: 3600, daemon: 60 },
  load: [0.2, 0.1, 0.05],
  memory: { totalBytes: 1_000_000_000, freeBytes: 600_000_000, daemonRssBytes: 60_000_000 },
  disk: { path: '/var/lib/sc-edge', totalBytes: 16_000_000_000, freeBytes: 9_000_000_000 },
  temperatureC: 51,
  clock: null,
  mqtt: { reconnects: 0, outboxPending: 0 },
});

interface EdgeView {
  id: string;
  online: boolean;
  lastSeenAt: number | null;
  offlineReason: string | null;
  telemetry: Telemetry | null;
  telemetryAt: number | null;
}

describe('presence of edge boxes', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const getEdge = async (id: string) => (await test.request<EdgeView>('GET', `/api/v1/edges/${id}`)).body;
  /** An edge created and claimed through the API, as a technician would. */
  const claimedEdge = async (name: string) => (await claimTestEdge(test, 'ap-1', name)).edgeId;
  const onlineGauge = async () => (await test.cloud.metrics.edgesOnline.get()).values[0]?.value;

  it('shows a box online with its telemetry once it reports', async () => {
    const id = await claimedEdge('Tủ 1');
    expect((await getEdge(id)).online).toBe(false);
    const sent = telemetry(10);
    await test.cloud.fleet.presence.onTelemetry(id, sent);
    const edge = await getEdge(id);
    expect(edge).toMatchObject({ online: true, offlineReason: null, telemetry: sent });
    expect(edge.lastSeenAt).toBe(edge.telemetryAt);
    expect(await onlineGauge()).toBe(1);
  });

  it('counts the cameras of online boxes in a flood warning, from their latest telemetry', async () => {
    const id = await claimedEdge('Tủ chợ');
    const camera = (cameraId: string, flooding: boolean) => ({
      id: cameraId, status: 'streaming' as const, fps: 5, lastFrameAt: Date.now(), itemsLastHour: flooding ? 75 : 3,
      ...(flooding
        ? { flood: { since: Date.now(), itemsLastHour: 75, limit: 60, suggestion: { fix: 'mask' as const, ruleId: 'nguoi', label: 'person', zoneId: 'cho', area: { x: 0.1, y: 0.1, width: 0.3, height: 0.2 }, advice: 'che chỗ đó' } } }
        : {}),
    });
    const flooding = async () => (await test.cloud.metrics.camerasFlooding.get()).values[0]?.value;
    await test.cloud.fleet.presence.onTelemetry(id, { ...telemetry(10), cameras: [camera('cho', true), camera('cong', false)] });
    expect(await flooding()).toBe(1);
    expect((await test.request<{ cameras: { live: { flood: unknown; itemsLastHour: number } }[] }>('GET', `/api/v1/edges/${id}/cameras`)).status).toBe(200);
    await test.cloud.fleet.presence.onTelemetry(id, { ...telemetry(10), cameras: [camera('cho', false)] });
    expect(await flooding()).toBe(0);
  });

  it(`marks a box offline after ${MISSED_HEARTBEATS} missed heartbeats of its own interval, and keeps a fresher one online`, async () => {
    const quick = await claimedEdge('Tủ nhanh');
    const slow = await claimedEdge('Tủ chậm');
    const presence = test.cloud.fleet.presence;
    await presence.onTelemetry(quick, telemetry(5));
    await presence.onTelemetry(slow, telemetry(60));
    const seenQuick = (await getEdge(quick)).lastSeenAt!;
    const seenSlow = (await getEdge(slow)).lastSeenAt!;
    expect(await onlineGauge()).toBe(2);

    // exactly three intervals of silence is still within the allowance
    expect(await presence.sweep(seenQuick + 3 * 5_000)).toEqual([]);
    expect((await getEdge(quick)).online).toBe(true);

    const now = Math.max(seenQuick, seenSlow) + 3 * 5_000 + 1;
    expect(await presence.sweep(now)).toEqual([quick]);
    const stale = await getEdge(quick);
    expect(stale.online).toBe(false);
    expect(stale.offlineReason).toContain('missed 3 heartbeats');
    expect(stale.lastSeenAt).toBe(seenQuick);
    expect(stale.telemetry?.intervalS).toBe(5);

    const fresh = await getEdge(slow);
    expect(fresh.online).toBe(true);
    expect(fresh.offlineReason).toBeNull();
    expect(await onlineGauge()).toBe(1);

    // the slow one too, once three of its minutes have passed
    expect(await presence.sweep(seenSlow + 3 * 60_000 + 1)).toEqual([slow]);
    expect(await onlineGauge()).toBe(0);
  });

  it('does not report a box twice: an offline box is not swept again', async () => {
    const id = await claimedEdge('Tủ');
    const presence = test.cloud.fleet.presence;
    await presence.onTelemetry(id, telemetry(2));
    const seen = (await getEdge(id)).lastSeenAt!;
    expect(await presence.sweep(seen + 10_000)).toEqual([id]);
    expect(await presence.sweep(seen + 20_000)).toEqual([]);
  });

  it('brings a swept box back online with its next telemetry', async () => {
    const id = await claimedEdge('Tủ');
    const presence = test.cloud.fleet.presence;
    await presence.onTelemetry(id, telemetry(2));
    await presence.sweep(Date.now() + 60_000);
    expect((await getEdge(id)).online).toBe(false);
    await presence.onTelemetry(id, telemetry(2));
    expect(await getEdge(id)).toMatchObject({ online: true, offlineReason: null });
    expect(await onlineGauge()).toBe(1);
  });

  it('uses the configured interval for a box that announced itself but sent no telemetry yet', async () => {
    const id = await claimedEdge('Tủ');
    const presence = test.cloud.fleet.presence;
    await presence.onAvailability(id, { state: 'online', ts: Date.now() });
    const seen = (await getEdge(id)).lastSeenAt!;
    const interval = test.cloud.config.SC_TELEMETRY_INTERVAL_S * 1000;
    expect(await presence.sweep(seen + 3 * interval)).toEqual([]);
    expect(await presence.sweep(seen + 3 * interval + 1)).toEqual([id]);
    expect((await getEdge(id)).offlineReason).toContain('missed 3 heartbeats');
  });

  it('takes an offline availability message (last will) as offline at once', async () => {
    const id = await claimedEdge('Tủ');
    const presence = test.cloud.fleet.presence;
    await presence.onTelemetry(id, telemetry(10));
    const seen = (await getEdge(id)).lastSeenAt;
    await presence.onAvailability(id, { state: 'offline', ts: Date.now() });
    const edge = await getEdge(id);
    expect(edge.online).toBe(false);
    expect(edge.offlineReason).toMatch(/offline/);
    expect(edge.lastSeenAt).toBe(seen);
    expect(await onlineGauge()).toBe(0);
  });

  it('never sweeps a box that was never seen', async () => {
    const id = await claimedEdge('Tủ');
    expect(await test.cloud.fleet.presence.sweep(Date.now() + 365 * 24 * 3600_000)).toEqual([]);
    expect((await getEdge(id)).offlineReason).toBeNull();
  });
});
