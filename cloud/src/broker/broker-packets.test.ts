import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { connectAsync, MqttClient, type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { sleep, waitFor } from '../../../test-support/wait.js';

const MiB = 1024 * 1024;

const rejected = async (test: TestCloud, reason: string) => {
  const text = (await test.api<string>('GET', '/metrics', undefined, null)).body;
  return Number(new RegExp(`sc_mqtt_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

/** Resolves with the milliseconds until the socket closed, or null if it is still open after `withinMs`. */
const closedWithin = (socket: Socket | MqttClient, withinMs: number) =>
  new Promise<number | null>((resolve) => {
    const start = Date.now();
    const timer = setTimeout(() => resolve(null), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });

/** A raw TCP socket to the broker, optionally from another loopback address (Linux answers on all of 127/8). */
async function rawSocket(test: TestCloud, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(test.cloud.mqttUrl);
  const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => undefined); // the broker resets refused sockets
  await once(socket, 'connect');
  return socket;
}

const edgeOptions = (edge: { edgeId: string; password: string }): IClientOptions => ({
  protocolVersion: 4,
  clientId: edge.edgeId,
  username: edge.edgeId,
  password: edge.password,
  reconnectPeriod: 0,
});

/** An mqtt.js client whose TCP connection leaves from the given loopback address. */
function connectFrom(test: TestCloud, localAddress: string, options: IClientOptions): Promise<MqttClient> {
  const { hostname, port } = new URL(test.cloud.mqttUrl);
  const client = new MqttClient(() => connect({ host: hostname, port: Number(port), localAddress }), options);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

describe('the embedded broker bounds what a client can make it buffer', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(() => test.stop());

  it('closes a socket whose CONNECT declares 250 MiB within a second, without buffering what it streams', async () => {
    const socket = await rawSocket(test);
    const closed = closedWithin(socket, 3000);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    // CONNECT (type 0x10) with a remaining length of 250 MiB, then its "body" streamed as fast as the broker reads
    socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x7d]));
    const block = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    const started = Date.now();
    while (!socket.destroyed && sent < 128 * MiB && Date.now() - started < 3000) {
      if (!socket.write(block)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      sent += block.length;
    }
    const closedAfterMs = await closed;
    clearInterval(sampler);
    expect(closedAfterMs, 'the broker closed the socket').not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(1000);
    expect((peak - baseline) / MiB).toBeLessThan(50);
    expect(await rejected(test, 'packet_too_large')).toBeGreaterThanOrEqual(1);
  });

  it('disconnects a logged-in box that publishes 20 MiB before reading it, while another box keeps publishing', async () => {
    const big = await claimTestEdge(test, 'ap-1');
    const normal = await claimTestEdge(test, 'ap-2');
    const bigClient = await connectAsync(test.cloud.mqttUrl, edgeOptions(big));
    bigClient.on('error', () => undefined);
    const normalClient = await connectAsync(test.cloud.mqttUrl, edgeOptions(normal));
    const received: string[] = [];
    const stop = await test.cloud.broker.subscribe(topics.allEdges, (topic) => received.push(topic));
    const tooLargeBefore = await rejected(test, 'packet_too_large');
    try {
      const closed = closedWithin(bigClient, 3000);
      // QoS 0: a payload over the cap that the broker has read whole is dropped and the sender stays connected
      bigClient.publish(topics.event(big.edgeId, 'lifecycle'), Buffer.alloc(20 * MiB, 0x7b), { qos: 0 });
      expect(await closed, 'the broker closed the big publisher').not.toBeNull();
      expect(await rejected(test, 'packet_too_large')).toBe(tooLargeBefore + 1);
      // the publish never reached the broker's size check: it was refused from its header
      expect(await rejected(test, 'size')).toBe(0);

      await normalClient.publishAsync(topics.event(normal.edgeId, 'lifecycle'), '{"eventId":"evt_normal0000","ts":1,"body":{}}', { qos: 1 });
      await waitFor(() => received.includes(topics.event(normal.edgeId, 'lifecycle')), 'the normal box\'s event');
      expect(received).not.toContain(topics.event(big.edgeId, 'lifecycle'));
      expect(normalClient.connected).toBe(true);
    } finally {
      await stop();
      await normalClient.endAsync();
      await bigClient.endAsync(true);
    }
  });

  it('refuses the 17th socket from an address that has not logged in, while another address still connects', async () => {
    const idle = await Promise.all(Array.from({ length: 16 }, () => rawSocket(test, '127.0.0.1')));
    const edge = await claimTestEdge(test, 'ap-3');
    try {
      await sleep(100); // the broker has accepted all sixteen
      const idleClosed = idle.map((socket) => closedWithin(socket, 1500));
      const seventeenth = await rawSocket(test, '127.0.0.1');
      expect(await closedWithin(seventeenth, 1000), 'the 17th socket is closed at once').not.toBeNull();
      expect(await rejected(test, 'unauthenticated_limit')).toBeGreaterThanOrEqual(1);

      const elsewhere = await connectFrom(test, '127.0.0.2', edgeOptions(edge));
      expect(elsewhere.connected).toBe(true);
      await elsewhere.endAsync();
      expect(await Promise.all(idleClosed), 'the sixteen wait for the connect timeout').toEqual(Array(16).fill(null));
    } finally {
      for (const socket of idle) socket.destroy();
    }
    // sockets that closed no longer count: the address can log in again
    const again = await waitFor(() => connectFrom(test, '127.0.0.1', edgeOptions(edge)).catch(() => null), 'a login from 127.0.0.1 again', 5000);
    await again.endAsync();
  });

  it('counts only sockets that have not logged in: twenty logged-in clients from one address leave room for more', async () => {
    const { username, password } = test.cloud.service;
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: `observer-${i}`, username, password, reconnectPeriod: 0 })));
    try {
      const pending = await rawSocket(test, '127.0.0.1');
      expect(await closedWithin(pending, 500), 'a socket not yet logged in').toBeNull();
      pending.destroy();
    } finally {
      await Promise.all(clients.map((client) => client.endAsync()));
    }
  });

  it('closes a socket that sends no CONNECT after about five seconds', async () => {
    const socket = await rawSocket(test);
    const closedAfterMs = await closedWithin(socket, 8000);
    expect(closedAfterMs, 'closed by the connect timeout').not.toBeNull();
    expect(closedAfterMs!).toBeGreaterThan(4000);
  }, 15_000);
});
