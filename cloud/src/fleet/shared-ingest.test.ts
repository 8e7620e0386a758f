/**
 * Issue 11, several cloud processes on one external broker: two real clouds on one PostgreSQL
 * database and one real Mosquitto (Debian's, started by the test) with a share group. Box traffic
 * is consumed once between them (shared subscriptions, exactly-once by eventId in the database),
 * and a command's reply reaches the process that waits for it (every process subscribes to replies).
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startMosquitto, type TestMosquitto } from '../broker/testing/mosquitto.js';
import { freshPostgresAddress, releasePostgres } from '../../../test-support/databases.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';

const EVENTS = 60;

describe('two cloud processes on one PostgreSQL and one Mosquitto with a share group', () => {
  let mosquitto: TestMosquitto;
  let a: TestCloud;
  let b: TestCloud;
  let box: MqttClient;
  let edgeId: string;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    const database = await freshPostgresAddress();
    const url = new URL(mosquitto.url);
    url.username = mosquitto.adminUsername;
    url.password = mosquitto.adminPassword;
    const config = { SC_DATABASE_URL: database, SC_MQTT_URL: url.toString(), SC_MQTT_SHARE_GROUP: 'sc-cloud' };
    a = await startTestCloud(config);
    b = await startTestCloud(config);
    edgeId = (await claimTestEdge(a)).edgeId;
    // the box's side of the wire: the test speaks for it with the broker's admin account (the box's
    // own account and ACL are the dynamic security's business, tested elsewhere)
    box = await connectAsync(mosquitto.url, { username: mosquitto.adminUsername, password: mosquitto.adminPassword, clientId: `box-${edgeId}`, protocolVersion: 4 });
  }, 60_000);

  afterAll(async () => {
    await box?.endAsync();
    await a?.stop();
    await b?.stop();
    await mosquitto?.stop();
    await releasePostgres();
  });

  it('stores N numbered events from a box exactly once, split between the two processes, resends included', async () => {
    const received = async () => {
      let n = 0;
      for (const cloud of [a, b]) n += (await cloud.cloud.metrics.mqttMessagesIn.get()).values.reduce((sum, v) => sum + v.value, 0);
      return n;
    };
    const receivedBefore = await received();
    const storedBy = { a: 0, b: 0 };
    a.cloud.events.subscribe('edge.event.lifecycle', () => void storedBy.a++);
    b.cloud.events.subscribe('edge.event.lifecycle', () => void storedBy.b++);
    const event = (i: number) => JSON.stringify({ eventId: `evt_test${String(i).padStart(12, '0')}`, ts: Date.now(), body: { phase: 'started', softwareVersion: '0.1.0', bootId: `boot-${i}` } });
    for (let i = 0; i < EVENTS; i++) await box.publishAsync(topics.event(edgeId, 'lifecycle'), event(i), { qos: 1 });
    // the outbox resends what the broker did not acknowledge: the same eventIds again
    for (let i = 0; i < EVENTS; i += 3) await box.publishAsync(topics.event(edgeId, 'lifecycle'), event(i), { qos: 1 });

    const stored = async () =>
      Number((await a.cloud.query.db.selectFrom('edge_events').select((e) => e.fn.countAll<number>().as('n')).where('edge_id', '=', edgeId).executeTakeFirstOrThrow()).n);
    await waitFor(async () => (await stored()) === EVENTS && storedBy.a + storedBy.b === EVENTS, 'all the events stored and published', 15_000);
    // a moment more: a late duplicate would show up as a second publication
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stored()).toBe(EVENTS);
    expect(storedBy.a + storedBy.b).toBe(EVENTS);
    // each message reached one process, not both (20 are the resends)
    expect((await received()) - receivedBefore).toBe(EVENTS + 20);
    // the broker split the traffic: each process stored a share
    expect(storedBy.a).toBeGreaterThan(0);
    expect(storedBy.b).toBeGreaterThan(0);
  });

  it('brings each command reply to the process that sent the request, whichever process the reply also reaches', async () => {
    // the box answers every ping on res/ping with the request's transaction
    await box.subscribeAsync(topics.req(edgeId, 'ping'), { qos: 1 });
    const requests: string[] = [];
    box.on('message', (topic, payload) => {
      if (topic !== topics.req(edgeId, 'ping')) return;
      const { transaction } = JSON.parse(payload.toString()) as { transaction: string };
      requests.push(transaction);
      const now = Date.now();
      void box.publishAsync(topics.res(edgeId, 'ping'), JSON.stringify({ transaction, ts: now, ok: true, body: { t1: now, t2: now } }), { qos: 1 });
    });
    // several from each process at once: with a shared subscription about half would go astray and time out
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? b : a).cloud.fleet.commands.send(edgeId, 'ping', {}, 5000)),
    );
    expect(replies).toHaveLength(10);
    for (const reply of replies) expect(reply).toMatchObject({ t1: expect.any(Number), t2: expect.any(Number) });
    expect(new Set(requests).size).toBe(10);
  });
});
