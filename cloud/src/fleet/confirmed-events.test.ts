/**
 * Contract revision 4, `events.confirmed`: the cloud tells a box which of its events it stored, and
 * the box's outbox forgets an event only then, not at the broker's PUBACK. What it protects against is
 * tested for real: a Mosquitto that acknowledges events while no cloud process listens (a broker
 * killed before it saved or forwarded a message loses it the same way, see scripts/bench/failover).
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { storedEventsSchema, topics, type StoredEvents } from '@smart-commune/shared';
import { startMosquitto, type TestMosquitto } from '../broker/testing/mosquitto.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge, ownOutbox, provisionTestEdge, startTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';

const lifecycle = (eventId: string, bootId: string) => JSON.stringify({ eventId, ts: Date.now(), body: { phase: 'started', softwareVersion: 'test', bootId } });

const storedIds = async (test: TestCloud, edgeId: string) => {
  await test.cloud.fleet.events.settled();
  return (await test.cloud.fleet.events.list(edgeId, 1000)).map((e) => e.eventId);
};

describe('stored-event confirmations (events.confirmed)', () => {
  let test: TestCloud | null = null;
  let box: MqttClient | null = null;
  let broker: TestMosquitto | null = null;
  afterEach(async () => {
    await box?.endAsync();
    await test?.stop();
    await broker?.stop();
    box = test = broker = null;
  });

  it('confirms every stored event to its box, a resend again, and refuses a malformed one by its eventId naming what is wrong', async () => {
    test = await startTestCloud();
    const claimed = await claimTestEdge(test);
    box = await connectAsync(test.cloud.mqttUrl, { username: claimed.edgeId, password: claimed.password, clientId: claimed.edgeId, protocolVersion: 4 });
    const confirmations: StoredEvents[] = [];
    box.on('message', (topic, payload) => {
      if (topic === topics.stored(claimed.edgeId)) confirmations.push(storedEventsSchema.parse(JSON.parse(payload.toString())));
    });
    await box.subscribeAsync(topics.stored(claimed.edgeId), { qos: 1 });
    const ids = ['evt_confirm000001', 'evt_confirm000002', 'evt_confirm000003'];
    for (const [i, id] of ids.entries()) await box.publishAsync(topics.event(claimed.edgeId, 'lifecycle'), lifecycle(id, `boot-${i}`), { qos: 1 });
    // a resend of the first (its confirmation was lost): stored once, confirmed again
    await box.publishAsync(topics.event(claimed.edgeId, 'lifecycle'), lifecycle(ids[0]!, 'boot-0'), { qos: 1 });
    // an event of a known kind the cloud can never store: its phase is not one of the contract's
    await box.publishAsync(topics.event(claimed.edgeId, 'lifecycle'), JSON.stringify({ eventId: 'evt_confirmbad001', ts: Date.now(), body: { phase: 'exploded', softwareVersion: 'test', bootId: 'b' } }), { qos: 1 });

    await waitFor(() => confirmations.flatMap((c) => c.eventIds).length === 4 && confirmations.some((c) => c.refused.length > 0), 'the confirmations');
    const confirmed = confirmations.flatMap((c) => c.eventIds);
    expect([...confirmed].sort()).toEqual([ids[0], ...ids].sort());
    const refused = confirmations.flatMap((c) => c.refused);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.eventId).toBe('evt_confirmbad001');
    expect(refused[0]!.reason).toMatch(/phase/);
    // gathered: fewer messages than events
    expect(confirmations.length).toBeLessThan(5);
    expect((await storedIds(test, claimed.edgeId)).sort()).toEqual([...ids].sort());
  });

  it("keeps a box's events the broker acknowledged while no cloud listened, and delivers them once the cloud is back", async () => {
    broker = await startMosquitto();
    const config = { SC_MQTT_URL: `mqtt://${broker.adminUsername}:${broker.adminPassword}@127.0.0.1:${broker.port}`, SC_MQTT_DYNSEC: '1' as const };
    test = await startTestCloud(config);
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-3');
    const daemon = await startTestEdge(dataDir);
    // an outbox of its own (its own table) on the daemon's connection, with a short wait before a resend
    const { outbox, close } = ownOutbox(daemon, edgeId, { ratePerS: 50, confirmedByCloud: () => true, resendAfterMs: 500 });
    outbox.start();
    try {
      await waitFor(() => daemon.link.connected, 'the box connected to Mosquitto');
      const first = outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: 'with-the-cloud' });
      await waitFor(async () => (await storedIds(test!, edgeId)).includes(first) && outbox.pending() === 0, 'an event stored and confirmed');

      // every cloud process gone, the broker up: it acknowledges the box's events and has nobody to give them to
      const dataDirOfCloud = test.dataDir;
      await test.stop({ keepData: true });
      test = null;
      const during = [1, 2, 3].map((i) => outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: `no-cloud-${i}` }));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(daemon.link.connected).toBe(true);
      // acknowledged by the broker (sent more than once by now), still kept: nobody confirmed them
      expect(outbox.pending()).toBe(3);

      test = await startTestCloud(config, dataDirOfCloud);
      await waitFor(() => outbox.pending() === 0, 'the events confirmed by the cloud back', 20_000);
      const stored = await storedIds(test, edgeId);
      for (const id of during) expect(stored.filter((s) => s === id)).toHaveLength(1);
    } finally {
      close();
      await daemon.stop();
    }
  });

  it('forgets an event at the broker acknowledgement when the cloud does not confirm (a cloud before revision 4)', async () => {
    test = await startTestCloud();
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-5');
    const daemon = await startTestEdge(dataDir);
    // confirmations from this cloud are ignored only if they never come: here the box believes the cloud does not confirm,
    // and the row goes at the PUBACK (before any confirmation could)
    const { outbox, close } = ownOutbox(daemon, edgeId, { ratePerS: 50, confirmedByCloud: () => false });
    try {
      await waitFor(() => daemon.link.connected, 'connected');
      const id = outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: 'old-cloud' });
      await waitFor(() => outbox.pending() === 0, 'deleted at the acknowledgement');
      await waitFor(async () => (await storedIds(test!, edgeId)).includes(id), 'stored');
    } finally {
      close();
      await daemon.stop();
    }
  });
});
