import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { testTelemetry } from '../../../test-support/telemetry.js';
import { waitFor } from '../../../test-support/wait.js';

describe('ingest of what edges publish', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const api = async (method: string, path: string, body?: unknown) => (await test.request(method, path, body)).body;
  const createEdge = async () => (await api('POST', '/api/v1/edges', { name: 'Tủ', hamletCode: 'ap-4' })).id as string;
  const claimedEdge = async () => (await claimTestEdge(test, 'ap-4')).edgeId;
  /** As if the edge had published it: the cloud consumes its own broker in-process. */
  const publish = (topic: string, payload: unknown) =>
    test.cloud.broker.publish(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain: false });
  const rejected = async (reason: string) => (await test.cloud.metrics.mqttRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  it('stores telemetry of an active edge and shows it online', async () => {
    const id = await claimedEdge();
    const sent = testTelemetry();
    await publish(topics.telemetry(id), sent);
    const edge = await waitFor(async () => {
      const e = await api('GET', `/api/v1/edges/${id}`);
      return e.online ? e : null;
    }, 'edge online');
    expect(edge.telemetry).toEqual(sent);
  });

  it('drops a payload that fails its schema, counts it, and stores nothing', async () => {
    const id = await claimedEdge();
    await publish(topics.telemetry(id), { ...testTelemetry(), intervalS: -5 });
    await publish(topics.telemetry(id), 'not json at all');
    await waitFor(async () => (await rejected('schema')) >= 2, 'two schema rejections');
    const edge = await api('GET', `/api/v1/edges/${id}`);
    expect(edge).toMatchObject({ online: false, telemetry: null });
  });

  it('drops messages of an edge that is not active and counts them', async () => {
    const unclaimed = await createEdge();
    await publish(topics.telemetry(unclaimed), testTelemetry());
    await waitFor(async () => (await rejected('unknown_edge')) >= 1, 'unknown_edge rejection');
    expect((await api('GET', `/api/v1/edges/${unclaimed}`)).online).toBe(false);

    const revoked = await claimedEdge();
    await api('POST', `/api/v1/edges/${revoked}/revoke`);
    await publish(topics.availability(revoked), { state: 'online', ts: Date.now() });
    await waitFor(async () => (await rejected('unknown_edge')) >= 2, 'second unknown_edge rejection');
    expect((await api('GET', `/api/v1/edges/${revoked}`)).online).toBe(false);
  });

  it('records the reported config version', async () => {
    const id = await claimedEdge();
    const ts = Date.now();
    await publish(topics.reported(id, 'config'), { version: 1, status: 'applied', ts });
    const config = await waitFor(async () => {
      const c = await api('GET', `/api/v1/edges/${id}/config`);
      return c.reported ? c : null;
    }, 'reported config');
    expect(config.reported).toEqual({ version: 1, status: 'applied', error: null, at: ts, ignored: [] });
    // a newer cloud's values the box left out are kept with the report (contract revision 2)
    const ignored = [{ path: 'body.logLevel', value: '"verbose"', effect: 'defaulted', left: 'body.logLevel', label: null }];
    await publish(topics.reported(id, 'config'), { version: 1, status: 'applied', ts: ts + 1, ignored });
    const again = await waitFor(async () => {
      const c = await api('GET', `/api/v1/edges/${id}/config`);
      return c.reported?.at === ts + 1 ? c : null;
    }, 'reported config with ignored parts');
    expect(again.reported.ignored).toEqual(ignored);
  });

  it('stores an event once however often the outbox resends it', async () => {
    const id = await claimedEdge();
    const event = { eventId: 'evt_0001aaaa', ts: Date.now(), body: { phase: 'started', softwareVersion: '0.1.0', bootId: 'boot-1' } };
    const seen: string[] = [];
    test.cloud.events.subscribe('edge.event.lifecycle', (e) => void seen.push(e.eventId));
    await publish(topics.event(id, 'lifecycle'), event);
    await publish(topics.event(id, 'lifecycle'), event);
    await publish(topics.event(id, 'lifecycle'), { ...event, eventId: 'evt_0002bbbb' });
    await waitFor(async () => (await test.cloud.fleet.events.list(id)).length === 2, 'two distinct events');
    expect((await test.cloud.fleet.events.list(id)).map((e) => e.eventId).sort()).toEqual(['evt_0001aaaa', 'evt_0002bbbb']);
    expect(seen.sort()).toEqual(['evt_0001aaaa', 'evt_0002bbbb']);
  });

  it("does not count the cloud's own desired documents as rejected edge messages", async () => {
    const id = await claimedEdge();
    await api('PUT', `/api/v1/edges/${id}/config`, { telemetryIntervalS: 15 });
    await publish(topics.telemetry(id), 'garbage'); // a marker that is counted
    await waitFor(async () => (await rejected('schema')) >= 1, 'marker rejection');
    expect(await rejected('schema')).toBe(1);
  });
});
