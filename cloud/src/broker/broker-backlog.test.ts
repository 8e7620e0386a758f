import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { createCloudMetrics, type CloudMetrics } from '../metrics.js';
import { waitFor } from '../../../test-support/wait.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded.js';

const backlogOf = async (metrics: CloudMetrics) => {
  const text = await metrics.registry.metrics();
  return Number(/^sc_mqtt_routing_backlog (\d+)$/m.exec(text)?.[1] ?? NaN);
};

/**
 * The crash measured in issue 11 ("RangeError in qlobber/mqemitter when a backlog built up"), over
 * TCP: a subscriber stops reading (mosquitto_sub stopped with SIGSTOP), the broker's writes to it
 * fill its socket and hold every routing slot, the boxes' traffic queues behind; then the
 * subscriber reads again and the backlog is routed. See emitter-guard.ts.
 */
describe('the embedded broker with a subscriber that stops reading', () => {
  let broker: EmbeddedBroker;
  let metrics: CloudMetrics;
  let stalled: ChildProcess | null = null;

  beforeAll(async () => {
    metrics = createCloudMetrics();
    broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      maxPayloadBytes: 256 * 1024,
      ratePerS: 100,
      maxUnauthenticatedPerAddress: 16,
      authenticate: async (username, password) => (username === 'sc-cloud' && password === 'service-secret' ? { kind: 'service' } : null),
      logger: silentLogger(),
      metrics,
    });
  });
  afterAll(async () => {
    stalled?.kill('SIGKILL');
    await broker.close();
  });

  it('routes the backlog in order once it reads again, and the broker lives on', async () => {
    const received: number[] = [];
    await broker.subscribe('sc/v1/edges/+/telemetry', (_topic, payload) => received.push(Number(payload.toString())));

    // a third-party subscriber; its output is counted, so every big message it gets is known
    stalled = spawn('mosquitto_sub', ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(broker.port), '-u', 'sc-cloud', '-P', 'service-secret', '-i', 'stalled', '-t', 'sc/v1/broadcast/#', '-F', '%t'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bigReceived = 0;
    stalled.stdout!.on('data', (d: Buffer) => (bigReceived += d.toString().split('\n').filter((l) => l.startsWith('sc/v1/broadcast/')).length));
    await waitFor(async () => {
      await broker.publish('sc/v1/broadcast/probe', 'x', { qos: 0, retain: false });
      return bigReceived > 0;
    }, 'mosquitto_sub subscribed');
    const probes = bigReceived;
    stalled.kill('SIGSTOP');

    // 64 MiB for it: far more than the sockets' buffers, so the broker's writes wait for a drain
    const big = Buffer.alloc(64 * 1024, 0x61);
    const bigCount = 1024;
    for (let i = 0; i < bigCount; i++) void broker.publish(`sc/v1/broadcast/big/${i}`, big, { qos: 0, retain: false });
    const count = 20_000;
    for (let n = 0; n < count; n++) void broker.publish(`sc/v1/edges/edg_${n % 50}/telemetry`, String(n), { qos: 0, retain: false });
    await waitFor(async () => (await backlogOf(metrics)) > 1000, 'the routing backlog to build behind the stalled subscriber', 40_000);
    expect(received.length).toBeLessThan(count);

    stalled.kill('SIGCONT');
    await waitFor(() => received.length === count, 'the backlog routed', 40_000);
    expect(received).toEqual(Array.from({ length: count }, (_, n) => n));
    await waitFor(() => bigReceived - probes >= bigCount, 'the stalled subscriber\'s messages', 40_000);
    expect(await backlogOf(metrics)).toBe(0);

    // and the broker still routes
    await broker.publish('sc/v1/edges/edg_after/telemetry', String(count), { qos: 0, retain: false });
    await waitFor(() => received.at(-1) === count, 'a message after the backlog');
  }, 120_000);
});
