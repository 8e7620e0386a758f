import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { ownOutbox, provisionTestEdge, spawnEdgeCli, startTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';

/** Restarts a stopped test cloud on the same ports and data dir, as after an outage. */
async function restart(test: TestCloud): Promise<TestCloud> {
  const http = Number(new URL(test.cloud.httpUrl).port);
  const mqtt = Number(new URL(test.cloud.mqttUrl).port);
  return startTestCloud({ SC_HTTP_PORT: http, SC_MQTT_PORT: mqtt }, test.dataDir);
}

/** The box's lifecycle events the cloud has stored, once what it received so far is stored. */
const lifecycleEvents = async (test: TestCloud, edgeId: string) => {
  await test.cloud.fleet.events.settled();
  return (await test.cloud.fleet.events.list(edgeId, 1000)).filter((e) => e.kind === 'lifecycle') as { eventId: string; body: { phase: string; bootId: string } }[];
};

describe('the edge outbox', () => {
  let test: TestCloud | null = null;
  afterEach(async () => {
    await test?.stop();
    test = null;
  });

  it('keeps an event kind the cloud does not understand yet, sends the others past it, and sends it once the cloud does', async () => {
    test = await startTestCloud();
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-4');
    const daemon = await startTestEdge(dataDir);
    // an outbox of its own (its own table) on the daemon's connection, holding discovery events as if the cloud were older
    let cloudKnowsDiscovery = false;
    const { outbox, close } = ownOutbox(daemon, edgeId, { ratePerS: 10, sendable: (kind) => kind !== 'discovery' || cloudKnowsDiscovery });
    try {
      await waitFor(() => daemon.link.connected, 'connected');
      const held = outbox.add('discovery', { devices: [] });
      const after = outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: 'after-held' });
      await waitFor(async () => (await lifecycleEvents(test!, edgeId)).some((e) => e.eventId === after), 'the event behind the held one delivered');
      await new Promise((r) => setTimeout(r, 300));
      expect(outbox.pending()).toBe(1);
      await test.cloud.fleet.events.settled();
      expect((await test.cloud.fleet.events.list(edgeId, 1000)).some((e) => e.eventId === held)).toBe(false);
      cloudKnowsDiscovery = true;
      outbox.flush();
      await waitFor(async () => (await test!.cloud.fleet.events.list(edgeId, 1000)).some((e) => e.eventId === held), 'the held event delivered once the cloud knows it');
      expect(outbox.pending()).toBe(0);
    } finally {
      close();
      await daemon.stop();
    }
  });

  it('delivers every event produced during a cloud outage once, after the cloud comes back', async () => {
    test = await startTestCloud();
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-5');
    const daemon = await startTestEdge(dataDir);
    try {
      await waitFor(async () => (await lifecycleEvents(test!, edgeId)).length === 1, 'the started event');
      await test.stop({ keepData: true });
      await waitFor(() => !daemon.link.connected, 'edge notices the outage');

      const produced = Array.from({ length: 25 }, (_, i) => daemon.outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: `outage-${i}` }));
      expect(daemon.outbox.pending()).toBe(25);

      test = await restart(test);
      await waitFor(() => daemon.outbox.pending() === 0, 'outbox drained', 15_000);
      const stored = await lifecycleEvents(test, edgeId);
      const ids = stored.map((e) => e.eventId);
      for (const id of produced) expect(ids.filter((x) => x === id)).toHaveLength(1);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await daemon.stop();
    }
  });

  it('keeps what a daemon produced while offline across a SIGKILL', async () => {
    test = await startTestCloud();
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-6');
    await test.stop({ keepData: true });

    const first = spawnEdgeCli(['run', '--data-dir', dataDir]);
    await new Promise((r) => setTimeout(r, 1500)); // it starts, records "started" in its outbox, cannot connect
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    test = await restart(test);
    const second = spawnEdgeCli(['run', '--data-dir', dataDir]);
    try {
      const events = await waitFor(async () => {
        const started = (await lifecycleEvents(test!, edgeId)).filter((e) => e.body.phase === 'started');
        return started.length >= 2 ? started : null;
      }, 'both boots reported', 20_000);
      expect(new Set(events.map((e) => e.body.bootId)).size).toBe(2);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
  });

  it("keeps an event the cloud did not confirm and drops one the cloud refused for good, naming it", async () => {
    test = await startTestCloud();
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-7');
    const daemon = await startTestEdge(dataDir);
    // nothing is sent (every kind held): the confirmations here are the cloud's own publications on the box's stored topic
    const { outbox, close } = ownOutbox(daemon, edgeId, { ratePerS: 10, sendable: () => false, confirmedByCloud: () => true });
    try {
      await waitFor(() => daemon.link.connected, 'connected');
      const refused = outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: 'refused' });
      const other = outbox.add('lifecycle', { phase: 'started', softwareVersion: 'test', bootId: 'other' });
      // a confirmation for another event leaves the rest; a refusal drops it
      await test.cloud.broker.publish(topics.stored(edgeId), JSON.stringify({ ts: Date.now(), eventIds: ['evt_notthisone00001'], refused: [{ eventId: refused, reason: 'body.phase: invalid' }] }), { qos: 1, retain: false });
      await waitFor(() => outbox.pending() === 1, 'the refused event dropped');
      // a confirmation the box cannot read changes nothing
      await test.cloud.broker.publish(topics.stored(edgeId), '{"eventIds": 5}', { qos: 1, retain: false });
      await test.cloud.broker.publish(topics.stored(edgeId), JSON.stringify({ ts: Date.now(), eventIds: [other] }), { qos: 1, retain: false });
      await waitFor(() => outbox.pending() === 0, 'the confirmed event dropped');
    } finally {
      close();
      await daemon.stop();
    }
  });
});
