import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { createCloudMetrics } from '../metrics.js';
import { sleep, waitFor } from '../../../test-support/wait.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded.js';
import { startMosquitto, type TestMosquitto } from './testing/mosquitto.js';

const SERVICE = { username: 'sc-cloud', password: 'service-secret' };

type Retained = { topic: string; payload: string; qos: number };

/** What a new subscriber to the filter is given: the messages flagged retained, once their number stops growing. */
async function retainedFor(url: string, filter: string, expected: number, qos: 0 | 1, auth = {}): Promise<Retained[]> {
  const client: MqttClient = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...auth });
  const got: Retained[] = [];
  client.on('message', (topic, payload, packet) => {
    if (packet.retain) got.push({ topic, payload: payload.toString(), qos: packet.qos });
  });
  await client.subscribeAsync(filter, { qos });
  await waitFor(() => got.length >= expected, `${expected} retained messages for ${filter} (got ${got.length})`);
  await sleep(150); // and not one more
  await client.endAsync(true);
  return got;
}

const sorted = (xs: Retained[]) => [...xs].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));

/**
 * The retained-message index (retained-index.ts) over TCP with mqtt.js: many retained topics, the
 * contract's filters and wildcard edge cases, against Debian's Mosquitto given the same messages.
 */
describe('retained messages a new subscriber is given, embedded broker against Mosquitto', () => {
  let broker: EmbeddedBroker;
  let mosquitto: TestMosquitto;
  let embeddedUrl: string;
  /** The retained state both brokers should hold, by topic. */
  const model = new Map<string, Retained>();

  beforeAll(async () => {
    broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      maxPayloadBytes: 256 * 1024,
      ratePerS: 1_000_000,
      maxUnauthenticatedPerAddress: 16,
      authenticate: async (username, password) => (username === SERVICE.username && password === SERVICE.password ? { kind: 'service' } : null),
      logger: silentLogger(),
      metrics: createCloudMetrics(),
    });
    embeddedUrl = `mqtt://127.0.0.1:${broker.port}`;
    // Debian's Mosquitto, bare (anonymous, no dynamic security): the reference for what a subscriber is given
    mosquitto = await startMosquitto({ dynsec: false });

    // 400 boxes' worth of contract topics, then replacements and deletions, the same to both brokers
    const writes: Retained[] = [];
    for (let i = 0; i < 400; i++) {
      const root = `sc/v1/edges/edg_${String(i).padStart(5, '0')}`;
      writes.push({ topic: `${root}/availability`, payload: `{"state":"online","i":${i}}`, qos: 1 });
      writes.push({ topic: `${root}/reported/config`, payload: `r${i}`, qos: 1 });
      writes.push({ topic: `${root}/desired/config`, payload: `d${i}`, qos: i % 2 as 0 | 1 });
    }
    writes.push(
      { topic: 'sc/v1/broadcast/alert', payload: 'b', qos: 1 },
      { topic: 'sc/v1/broadcast/', payload: 'empty last level', qos: 0 },
      { topic: 'sc/v1//x', payload: 'empty middle level', qos: 1 },
      { topic: 'sc/', payload: 'empty second level', qos: 1 },
      { topic: 'sc/v1', payload: 'second', qos: 0 },
    );
    for (let i = 0; i < 400; i += 3) writes.push({ topic: `sc/v1/edges/edg_${String(i).padStart(5, '0')}/availability`, payload: `{"state":"offline","i":${i}}`, qos: 0 });
    for (let i = 0; i < 400; i += 7) writes.push({ topic: `sc/v1/edges/edg_${String(i).padStart(5, '0')}/desired/config`, payload: '', qos: 1 });
    writes.push({ topic: 'sc/v1/never-retained', payload: '', qos: 1 });

    for (const w of writes) {
      if (w.payload) model.set(w.topic, w);
      else model.delete(w.topic);
    }
    for (const [url, auth] of [[embeddedUrl, SERVICE], [mosquitto.url, {}]] as const) {
      const pub = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...auth });
      for (const w of writes) await pub.publishAsync(w.topic, w.payload, { qos: 1, retain: true });
      // a message is retained with the QoS it was published with: the model's QoS 0 ones once more at QoS 0
      for (const m of model.values()) if (m.qos === 0) await pub.publishAsync(m.topic, m.payload, { qos: 0, retain: true });
      await pub.endAsync();
    }
    // a $-topic retained by the cloud itself: never given to a filter starting with a wildcard [MQTT-4.7.2-1]
    await broker.publish('$internal/retained', 'x', { qos: 1, retain: true });
  }, 120_000);

  afterAll(async () => {
    await mosquitto?.stop();
    await broker?.close();
  });

  const cases: Array<[string, (topic: string) => boolean]> = [
    ['#', () => true],
    ['sc/#', (t) => t.startsWith('sc/')],
    ['sc/v1/edges/+/availability', (t) => /^sc\/v1\/edges\/[^/]+\/availability$/.test(t)],
    ['sc/v1/edges/edg_00021/#', (t) => t.startsWith('sc/v1/edges/edg_00021/')],
    ['sc/v1/edges/edg_00014/desired/+', () => false], // deleted
    ['sc/v1/edges/edg_00015/desired/+', (t) => t === 'sc/v1/edges/edg_00015/desired/config'],
    ['sc/v1/edges/+/+/config', (t) => /^sc\/v1\/edges\/[^/]+\/(reported|desired)\/config$/.test(t)],
    ['sc/+', (t) => t === 'sc/v1' || t === 'sc/'],
    ['sc/v1/+', () => false],
    ['sc/v1/broadcast/+', (t) => t === 'sc/v1/broadcast/alert' || t === 'sc/v1/broadcast/'],
    ['sc/v1/+/x', (t) => t === 'sc/v1//x'],
    ['sc/v1/edges/+/+/+/#', (t) => /^sc\/v1\/edges\/[^/]+\/[^/]+\/[^/]+$/.test(t)],
  ];

  it.each(cases)('%s: the same messages as Mosquitto gives, at the same QoS', async (filter, matches) => {
    const expected = [...model.values()].filter((m) => matches(m.topic));
    const embedded = await retainedFor(embeddedUrl, filter, expected.length, 1, SERVICE);
    const reference = await retainedFor(mosquitto.url, filter, expected.length, 1);
    expect(sorted(reference)).toEqual(sorted(expected)); // the model is right…
    expect(sorted(embedded)).toEqual(sorted(reference)); // …and the embedded broker agrees
    // in the order the topics were first retained, as aedes-persistence's Map gives them
    const order = [...model.keys()];
    expect(embedded.map((m) => order.indexOf(m.topic))).toEqual(embedded.map((m) => order.indexOf(m.topic)).sort((a, b) => a - b));
  });

});
