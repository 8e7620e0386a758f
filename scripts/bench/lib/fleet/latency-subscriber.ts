import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { HOST } from './common.js';

/**
 * One MQTT subscriber with the cloud's service credential: telemetry latency (receive time − payload ts,
 * same host clock) and, once the storm began, the availability states per edge in delivery order.
 */
export class LatencySubscriber {
  readonly latency: { t: number; ms: number }[] = [];
  badTelemetry = 0;
  /** Availability states per edge seen after the storm began (order as the broker delivered them). */
  readonly availabilityAfterStorm = new Map<string, string[]>();
  /** Last wills seen (the broker publishes them for dead connections, and the cloud counts them in). */
  willsSeen = 0;
  stormStartedAt = Infinity;

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** With the cloud's service credential, or another account that may read sc/v1/edges/# (`username`). */
  static async connect(mqttPort: number, servicePassword: string, username = 'sc-cloud'): Promise<LatencySubscriber> {
    const subscriber = connect(`mqtt://${HOST}:${mqttPort}`, {
      protocolVersion: 4,
      clientId: `bench-lat-${randomBytes(4).toString('hex')}`,
      username,
      password: servicePassword,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 1000,
    });
    try {
      await new Promise<void>((resolveSub, reject) => {
        const timer = setTimeout(() => reject(new Error('latency subscriber could not connect within 10 s')), 10_000);
        subscriber.once('connect', () => {
          subscriber.subscribe(['sc/v1/edges/+/telemetry', 'sc/v1/edges/+/availability'], { qos: 0 }, (err) => {
            clearTimeout(timer);
            if (err) reject(err);
            else resolveSub();
          });
        });
      });
    } catch (err) {
      subscriber.end(true);
      throw err;
    }
    return new LatencySubscriber(subscriber);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const now = Date.now();
    if (topic.endsWith('/availability')) {
      if (now < this.stormStartedAt || payload.length === 0) return;
      try {
        const edgeId = topic.split('/')[3]!;
        const list = this.availabilityAfterStorm.get(edgeId) ?? [];
        const { state } = JSON.parse(payload.toString()) as { state: string };
        if (state === 'offline') this.willsSeen++;
        list.push(state);
        this.availabilityAfterStorm.set(edgeId, list);
      } catch {
        this.badTelemetry++;
      }
      return;
    }
    try {
      const ts = (JSON.parse(payload.toString()) as { ts: number }).ts;
      this.latency.push({ t: now, ms: now - ts });
    } catch {
      this.badTelemetry++;
    }
  }
}
