import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';

const rejected = async (test: TestCloud, reason: string) => {
  const text = (await test.api<string>('GET', '/metrics', undefined, null)).body;
  return Number(new RegExp(`sc_mqtt_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

async function connectAs(test: TestCloud, hamlet: string) {
  const edge = await provisionTestEdge(test, hamlet);
  const { password } = JSON.parse(readFileSync(join(edge.dataDir, 'credentials.json'), 'utf8')) as { password: string };
  const client = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edge.edgeId, username: edge.edgeId, password, reconnectPeriod: 0 });
  return { edge, client };
}

describe('the embedded broker protects itself', () => {
  let test: TestCloud;
  afterEach(() => test.stop());

  it('drops and counts a client\'s QoS 0 publishes above its rate, keeping the client connected', async () => {
    test = await startTestCloud({ SC_MQTT_RATE_PER_S: 5 });
    const { edge, client } = await connectAs(test, 'ap-1');
    const received: string[] = [];
    const stop = await test.cloud.broker.subscribe(topics.event(edge.edgeId, '+'), (topic) => received.push(topic));
    for (let i = 0; i < 200; i++) client.publish(topics.event(edge.edgeId, 'flood'), 'x', { qos: 0 });
    await waitFor(async () => (await rejected(test, 'rate')) > 0, 'rate drops counted');
    await new Promise((r) => setTimeout(r, 300));
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(200);
    expect(received.length + (await rejected(test, 'rate'))).toBe(200);
    expect(client.connected).toBe(true);
    await stop();
    await client.endAsync();
  });

  it('drops QoS 0 payloads above the size cap, and refuses QoS 1 ones by closing the connection instead of acknowledging them', async () => {
    test = await startTestCloud({ SC_MQTT_MAX_PAYLOAD_BYTES: 1024 });
    const { edge, client } = await connectAs(test, 'ap-2');
    const received: number[] = [];
    const stop = await test.cloud.broker.subscribe(topics.event(edge.edgeId, '+'), (_topic, payload) => received.push(payload.length));
    await client.publishAsync(topics.event(edge.edgeId, 'big'), Buffer.alloc(4096, 1), { qos: 0 });
    await client.publishAsync(topics.event(edge.edgeId, 'small'), Buffer.alloc(100, 1), { qos: 1 });
    await waitFor(() => received.length === 1, 'the small payload');
    expect(received).toEqual([100]);
    expect(client.connected).toBe(true);

    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(topics.event(edge.edgeId, 'big'), Buffer.alloc(4096, 1), { qos: 1 });
    await closed;
    expect(received).toEqual([100]);
    expect(await rejected(test, 'size')).toBe(2);
    await stop();
    await client.endAsync(true);
  });

  it('refuses a client id that is not the edge\'s own id', async () => {
    test = await startTestCloud();
    const edge = await provisionTestEdge(test, 'ap-3');
    const { password } = JSON.parse(readFileSync(join(edge.dataDir, 'credentials.json'), 'utf8')) as { password: string };
    await expect(
      connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: 'someone-else', username: edge.edgeId, password, reconnectPeriod: 0 }),
    ).rejects.toThrow(/Identifier rejected/i);
  });
});
