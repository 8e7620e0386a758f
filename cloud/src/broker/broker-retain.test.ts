import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { brokerArgs, mosquitto } from '../../../test-support/mosquitto.js';
import { waitFor } from '../../../test-support/wait.js';

type Edge = { edgeId: string; password: string };

const rejected = async (test: TestCloud, reason: string) => {
  const text = (await test.api<string>('GET', '/metrics', undefined, null)).body;
  return Number(new RegExp(`sc_mqtt_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

const edgeOptions = (edge: Edge, extra: IClientOptions = {}): IClientOptions => ({
  protocolVersion: 4,
  clientId: edge.edgeId,
  username: edge.edgeId,
  password: edge.password,
  reconnectPeriod: 0,
  ...extra,
});

/** Publishes retained as the box and reports whether the broker closed the connection over it. */
async function retainAs(test: TestCloud, edge: Edge, topic: string, payload: Buffer | string, qos: 0 | 1): Promise<'closed' | 'kept'> {
  const client = await connectAsync(test.cloud.mqttUrl, edgeOptions(edge));
  client.on('error', () => undefined);
  const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
  client.publish(topic, payload, { qos, retain: true });
  const outcome = await Promise.race([closed, new Promise<'kept'>((resolve) => setTimeout(() => resolve('kept'), 1000))]);
  await client.endAsync(true);
  return outcome;
}

/**
 * The topics of the retained messages a new subscriber to the filter is given, read by mosquitto_sub:
 * the cloud's own desired documents apart (it may publish a plan meanwhile), and those a box published.
 */
async function retainedTopics(test: TestCloud, filter: string, username: string, password: string, clientId: string) {
  // every message for two seconds with its retain flag ("1 topic"): live ones arrive with the flag clear
  const res = await mosquitto('mosquitto_sub', [...brokerArgs(test.cloud.mqttUrl, username, password, clientId), '-t', filter, '-F', '%r %t', '-W', '2']);
  const retained = res.stdout.split('\n').filter((line) => line.startsWith('1 ')).map((line) => line.slice(2));
  return {
    cloud: retained.filter((topic) => topic.includes('/desired/')),
    box: retained.filter((topic) => !topic.includes('/desired/')).sort(),
  };
}

describe('retained messages from boxes, seen by the next subscriber (mosquitto_sub)', () => {
  let test: TestCloud;
  let box: Edge;
  const asService = (filter: string) => retainedTopics(test, filter, test.cloud.service.username, test.cloud.service.password, 'test-observer');

  beforeAll(async () => {
    test = await startTestCloud();
    box = await claimTestEdge(test, 'ap-1');
  });
  afterAll(() => test.stop());

  it('refuses a box\'s retained fill and topics outside the contract, so nothing is replayed', async () => {
    const root = topics.edgeRoot(box.edgeId);
    const fill = Buffer.alloc(250 * 1024, 0x7b);
    const retainBefore = await rejected(test, 'retain');
    const aclBefore = await rejected(test, 'acl');

    const attempts: Array<[string, Buffer, 0 | 1]> = [
      // not in the contract at all: refused whether retained or not
      [`${root}/events/audit/x/y`, fill, 1],
      [`${root}/events/audit/x/z`, fill, 0],
      // contract topics that the contract does not retain
      [topics.event(box.edgeId, 'lifecycle'), fill, 1],
      [topics.telemetry(box.edgeId), fill, 0],
      [topics.res(box.edgeId, 'ping'), fill, 1],
      // a document name the cloud never sends: one retained message per invented name would be unbounded
      [topics.reported(box.edgeId, 'x1'), fill, 1],
    ];
    const outcomes: string[] = [];
    for (const [topic, payload, qos] of attempts) outcomes.push(await retainAs(test, box, topic, payload, qos));
    // the same from a third-party client
    const pub = await mosquitto('mosquitto_pub', [...brokerArgs(test.cloud.mqttUrl, box.edgeId, box.password, box.edgeId), '-t', topics.event(box.edgeId, 'incident'), '-r', '-q', '1', '-m', '{}']);

    // the next subscriber, the cloud's or the box's own, is given the cloud's config document (retained since the claim) and nothing from the box
    for (const next of [await asService(topics.edgeSubtree(box.edgeId)), await retainedTopics(test, topics.edgeSubtree(box.edgeId), box.edgeId, box.password, box.edgeId)]) {
      expect(next.cloud).toContain(topics.desired(box.edgeId, 'config'));
      expect(next.box).toEqual([]);
    }
    // and the attempts closed the connection, as any refused publish does
    expect(outcomes).toEqual(attempts.map(() => 'closed'));
    expect(pub.code).not.toBe(0);
    expect(await rejected(test, 'acl')).toBe(aclBefore + 2);
    expect(await rejected(test, 'retain')).toBe(retainBefore + 5);
  });

  it('keeps the contract\'s retained availability, last will and reported documents', async () => {
    const availability = topics.availability(box.edgeId);
    const client: MqttClient = await connectAsync(
      test.cloud.mqttUrl,
      edgeOptions(box, { will: { topic: availability, payload: Buffer.from('{"state":"offline","ts":2}'), qos: 1, retain: true } }),
    );
    await client.publishAsync(availability, '{"state":"online","ts":1}', { qos: 1, retain: true });
    await client.publishAsync(topics.reported(box.edgeId, 'config'), '{"version":1,"status":"applied","ts":1}', { qos: 1, retain: true });
    await client.publishAsync(topics.reported(box.edgeId, 'schedule'), '{"version":1,"status":"applied","ts":1}', { qos: 1, retain: true });
    expect(client.connected).toBe(true);
    expect((await asService(topics.edgeSubtree(box.edgeId))).box).toEqual([availability, topics.reported(box.edgeId, 'config'), topics.reported(box.edgeId, 'schedule')].sort());

    client.stream.destroy(); // no DISCONNECT: the broker publishes the will
    const offline = await waitFor(async () => {
      const res = await mosquitto('mosquitto_sub', [...brokerArgs(test.cloud.mqttUrl, test.cloud.service.username, test.cloud.service.password, 'test-observer'), '-t', availability, '-C', '1', '-W', '3']);
      return res.stdout.includes('offline') ? res.stdout : null;
    }, 'the retained last will');
    expect(JSON.parse(offline)).toEqual({ state: 'offline', ts: 2 });
  });
});
