import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics, type SpeakerTelemetry } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { testTelemetry } from '../../../test-support/telemetry.js';
import { waitFor } from '../../../test-support/wait.js';

describe("a box's loudspeaker going offline and coming back is published", () => {
  let test: TestCloud;
  let seen: string[];
  let edgeId: string;
  let box: MqttClient;

  beforeEach(async () => {
    test = await startTestCloud();
    seen = [];
    test.cloud.events.subscribe('speaker.offline', (e) => void seen.push(`offline:${e.edgeId === edgeId ? 'box' : e.edgeId}:${e.zone}:${e.state}:${e.reason}`));
    test.cloud.events.subscribe('speaker.online', (e) => void seen.push(`online:${e.edgeId === edgeId ? 'box' : e.edgeId}:${e.zone}`));
    const claimed = await claimTestEdge(test, 'ap-1');
    edgeId = claimed.edgeId;
    box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password: claimed.password, reconnectPeriod: 0 });
  });
  afterEach(async () => {
    await box.endAsync(true);
    await test.stop();
  });

  /** Sends telemetry with these speaker states and waits until the cloud stored it. */
  let sent = 0;
  const report = async (speakers: SpeakerTelemetry[]) => {
    sent++;
    const telemetry = { ...testTelemetry(), uptimeS: { host: 100 + sent, daemon: sent }, speakers };
    await box.publishAsync(topics.telemetry(edgeId), JSON.stringify(telemetry), { qos: 1 });
    await waitFor(async () => (await test.cloud.fleet.edges.get(edgeId)).telemetry?.uptimeS.daemon === sent, `telemetry ${sent} stored`);
    await test.cloud.events.settled();
  };
  const ok = (zone: string): SpeakerTelemetry => ({ zone, state: 'ok', reason: null });
  const down = (zone: string, reason = 'status not reachable: ECONNREFUSED'): SpeakerTelemetry => ({ zone, state: 'offline', reason });

  it('publishes each zone going down and coming back once, across unknown states (the box restarting)', async () => {
    await report([ok('main'), { zone: 'cho', state: 'unknown', reason: 'not checked yet' }]);
    expect(seen).toEqual([]);
    await report([ok('main'), down('cho')]);
    expect(seen).toEqual(['offline:box:cho:offline:status not reachable: ECONNREFUSED']);
    // still down, then muted (still down), then unknown (the box restarted): nothing new
    await report([ok('main'), down('cho', 'timeout')]);
    await report([ok('main'), { zone: 'cho', state: 'muted', reason: 'amplifier reports mute' }]);
    await report([{ zone: 'main', state: 'unknown', reason: null }, { zone: 'cho', state: 'unknown', reason: null }]);
    expect(seen).toHaveLength(1);
    await report([ok('main'), ok('cho')]);
    expect(seen).toEqual(['offline:box:cho:offline:status not reachable: ECONNREFUSED', 'online:box:cho']);
    await report([ok('main'), ok('cho')]);
    expect(seen).toHaveLength(2);
  });

  it('publishes a zone first seen down; telemetry without speakers changes nothing', async () => {
    const { speakers: _none, ...withoutSpeakers } = { ...testTelemetry(), speakers: undefined };
    await box.publishAsync(topics.telemetry(edgeId), JSON.stringify(withoutSpeakers), { qos: 1 });
    await waitFor(async () => (await test.cloud.fleet.edges.get(edgeId)).telemetryAt !== null, 'telemetry stored');
    await test.cloud.events.settled();
    expect(seen).toEqual([]);
    await report([{ zone: 'main', state: 'muted', reason: 'muted by the amplifier' }]);
    expect(seen).toEqual(['offline:box:main:muted:muted by the amplifier']);
  });

  it('refuses telemetry whose speakers break the contract (zone name, state, reason length)', async () => {
    const before = (await test.cloud.fleet.edges.get(edgeId)).telemetryAt;
    for (const speakers of [[{ zone: 'Chợ Vị Tân', state: 'ok', reason: null }], [{ zone: 'cho', state: 'broken', reason: null }], [{ zone: 'cho', state: 'offline', reason: 'x'.repeat(301) }]]) {
      await box.publishAsync(topics.telemetry(edgeId), JSON.stringify({ ...testTelemetry(), speakers }), { qos: 1 });
    }
    await report([ok('main')]); // the valid one after them arrives and is stored
    expect((await test.cloud.fleet.edges.get(edgeId)).telemetry?.speakers).toEqual([ok('main')]);
    expect(before).toBeNull();
    expect(seen).toEqual([]);
  });
});
