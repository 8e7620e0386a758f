import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { testTelemetry } from '../../../test-support/telemetry.js';
import { waitFor } from '../../../test-support/wait.js';
import type { DomainEvents } from '../events/domain-events.js';

type Presence = { name: 'edge.online'; event: DomainEvents['edge.online'] } | { name: 'edge.offline'; event: DomainEvents['edge.offline'] };

describe('a box going offline and coming back is published', () => {
  let test: TestCloud;
  let seen: Presence[];
  let edgeId: string;
  let password: string;
  let box: MqttClient | null;

  beforeEach(async () => {
    test = await startTestCloud();
    seen = [];
    test.cloud.events.subscribe('edge.online', (event) => void seen.push({ name: 'edge.online', event }));
    test.cloud.events.subscribe('edge.offline', (event) => void seen.push({ name: 'edge.offline', event }));
    ({ edgeId, password } = await claimTestEdge(test, 'ap-1'));
    box = null;
  });
  afterEach(async () => {
    await box?.endAsync(true);
    await test.stop();
  });

  /** Connects as the box does: its own credentials, a retained last will of offline, then "online". */
  const connect = async () => {
    const startedAt = Date.now();
    const availability = (state: 'online' | 'offline') => JSON.stringify({ state, ts: startedAt });
    box = await connectAsync(test.cloud.mqttUrl, {
      protocolVersion: 4,
      clientId: edgeId,
      username: edgeId,
      password,
      reconnectPeriod: 0,
      will: { topic: topics.availability(edgeId), payload: Buffer.from(availability('offline')), qos: 1, retain: true },
    });
    await box.publishAsync(topics.availability(edgeId), availability('online'), { qos: 1, retain: true });
  };
  const names = () => seen.map((s) => `${s.name}${s.name === 'edge.offline' ? `:${s.event.reason}` : ''}`);

  it("publishes the box's return, its last will, missed heartbeats and revocation once each", async () => {
    const before = Date.now();
    await connect();
    await waitFor(() => seen.length === 1, 'edge.online');
    expect(seen[0]).toEqual({ name: 'edge.online', event: { edgeId, at: expect.any(Number), lastSeenAt: null } });
    expect(seen[0]!.event.at).toBeGreaterThanOrEqual(before);

    // telemetry from a box already online changes nothing
    await box!.publishAsync(topics.telemetry(edgeId), JSON.stringify(testTelemetry()), { qos: 1 });
    await waitFor(async () => (await test.cloud.fleet.edges.get(edgeId)).telemetryAt !== null, 'telemetry stored');
    expect(names()).toEqual(['edge.online']);
    const lastSeenAt = (await test.cloud.fleet.edges.get(edgeId)).lastSeenAt;

    // the connection drops without a DISCONNECT: the broker sends the last will
    box!.stream.destroy();
    await waitFor(() => seen.length === 2, 'edge.offline from the last will');
    expect(seen[1]).toEqual({ name: 'edge.offline', event: { edgeId, at: expect.any(Number), reason: 'announced' } });

    // back by telemetry alone, with how long it was silent
    await test.cloud.broker.publish(topics.telemetry(edgeId), JSON.stringify(testTelemetry()), { qos: 1, retain: false });
    await waitFor(() => seen.length === 3, 'edge.online from telemetry');
    expect(seen[2]).toEqual({ name: 'edge.online', event: { edgeId, at: expect.any(Number), lastSeenAt } });

    const silentUntil = (await test.cloud.fleet.edges.get(edgeId)).lastSeenAt! + 3 * 10_000 + 1;
    expect(await test.cloud.fleet.presence.sweep(silentUntil)).toEqual([edgeId]);
    expect(seen[3]).toEqual({ name: 'edge.offline', event: { edgeId, at: silentUntil, reason: 'missed_heartbeats' } });
    expect(await test.cloud.fleet.presence.sweep(silentUntil + 60_000)).toEqual([]);

    await test.cloud.broker.publish(topics.telemetry(edgeId), JSON.stringify(testTelemetry()), { qos: 1, retain: false });
    await waitFor(() => seen.length === 5, 'edge.online again');
    expect((await test.request('POST', `/api/v1/edges/${edgeId}/revoke`)).status).toBe(200);
    expect(names()).toEqual(['edge.online', 'edge.offline:announced', 'edge.online', 'edge.offline:missed_heartbeats', 'edge.online', 'edge.offline:revoked']);
  });

  it('publishes nothing for a late last will of an earlier connection, nor for a box the cloud already called offline', async () => {
    const presence = test.cloud.fleet.presence;
    await presence.onAvailability(edgeId, { state: 'offline', ts: 500 }); // never online
    await presence.onAvailability(edgeId, { state: 'online', ts: 2000 });
    await presence.onAvailability(edgeId, { state: 'offline', ts: 1000 }); // the will of the connection begun at 1000
    await presence.onAvailability(edgeId, { state: 'online', ts: 2000 }); // the retained message again
    expect(names()).toEqual(['edge.online']);
    expect((await test.request('POST', `/api/v1/edges/${edgeId}/revoke`)).status).toBe(200);
    expect((await test.request('POST', `/api/v1/edges/${edgeId}/revoke`)).status).toBe(200);
    expect(names()).toEqual(['edge.online', 'edge.offline:revoked']);
  });
});
