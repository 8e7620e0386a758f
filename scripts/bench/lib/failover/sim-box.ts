/**
 * A simulated box of the failover benchmark: one MQTT client (mqtt.js, as the real edge) with its own
 * credentials, availability with a last will, telemetry at the interval the cloud gave, a numbered
 * event every few seconds kept until the cloud confirms it stored it (`stored`, contract revision 4),
 * and sent again after a reconnection or a wait, as the real box's outbox does (edge/src/outbox);
 * answers to `ping` commands; and the versions of the retained desired documents it receives. Like
 * the real box it applies a document only if its version is higher than the one it has: a broker
 * restored from an older save may deliver an older retained document (counted in `staleDesired`)
 * until the cloud's reconcile republishes the right one.
 */
import { connect, type MqttClient } from 'mqtt';
import { storedEventsSchema, topics } from '../../../../shared/src/index.js';
import { makeTelemetry, offlinePayload } from '../fleet/simulated-telemetry.js';
import type { Cred } from '../fleet/common.js';

export const EVENT_BOOT_PREFIX = 'failover-';

/** The real outbox's first wait for a confirmation is 30 s; shorter here, the whole scenario lasts 70 s. */
const RESEND_AFTER_MS = 10_000;

export class FailoverBox {
  private client: MqttClient | null = null;
  private readonly startedAt = Date.now();
  private reconnects = 0;
  /** Events handed to the client (numbered from 1). */
  sent = 0;
  /** Events the broker acknowledged (PUBACK). */
  acked = 0;
  /** Events sent again (after a reconnection or a wait without the cloud's confirmation). */
  resent = 0;
  /** Events not yet confirmed by the cloud: eventId → payload and when last sent. */
  private readonly unconfirmed = new Map<string, { payload: string; sentAt: number }>();
  connected = false;
  /** When the connection was last lost / made (ms). */
  lostAt: number | null = null;
  connectedAt: number | null = null;
  pings = 0;
  /** Version applied per desired document (only ever higher), and the older ones the broker delivered. */
  readonly desired = new Map<string, number>();
  readonly staleDesired: string[] = [];
  private eventTimer: NodeJS.Timeout | null = null;
  private telemetryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly cred: Cred,
    private readonly mqttUrl: string,
    private readonly telemetryEveryMs: number,
  ) {}

  connect(): Promise<void> {
    const client = connect(this.mqttUrl, {
      protocolVersion: 4,
      clientId: this.cred.edgeId,
      username: this.cred.username,
      password: this.cred.password,
      clean: true,
      keepalive: 10,
      // the real edge's first reconnect delay (edge/src/link/mqtt-link.ts)
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      will: { topic: topics.availability(this.cred.edgeId), payload: offlinePayload(), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('connect', () => {
      if (this.connectedAt !== null) this.reconnects++;
      this.connected = true;
      this.connectedAt = Date.now();
      client.publish(topics.availability(this.cred.edgeId), JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true });
      client.subscribe([topics.desired(this.cred.edgeId, '+'), topics.req(this.cred.edgeId, '+'), topics.stored(this.cred.edgeId)], { qos: 1 });
      this.telemetry();
      // the broker that acknowledged them may have lost them
      this.resend(() => true);
    });
    client.on('close', () => {
      if (this.connected) this.lostAt = Date.now();
      this.connected = false;
    });
    client.on('error', () => undefined); // reconnects by itself; the benchmark reads `connected`
    this.telemetryTimer = setInterval(() => {
      this.telemetry();
      this.resend((sentAt) => Date.now() - sentAt >= RESEND_AFTER_MS);
    }, this.telemetryEveryMs);
    // refused (not authorised) until the cloud has created the box's broker account: mqtt.js tries
    // again every reconnectPeriod, as the real edge does with its backoff
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.cred.edgeId} not connected within 30 s`)), 30_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Starts the numbered events: one every `everyMs`, the first after `offsetMs` (spreads the fleet's). */
  startEvents(everyMs: number, offsetMs: number): void {
    setTimeout(() => {
      this.event();
      this.eventTimer = setInterval(() => this.event(), everyMs);
    }, offsetMs).unref();
  }

  stopEvents(): void {
    if (this.eventTimer) clearInterval(this.eventTimer);
    this.eventTimer = null;
  }

  static eventId(edgeId: string, n: number): string {
    return `evt-${edgeId}-${n}`;
  }

  private event(): void {
    const n = ++this.sent;
    const message = { eventId: FailoverBox.eventId(this.cred.edgeId, n), ts: Date.now(), body: { phase: 'started', softwareVersion: 'bench', bootId: `${EVENT_BOOT_PREFIX}${n}` } };
    const payload = JSON.stringify(message);
    this.unconfirmed.set(message.eventId, { payload, sentAt: Date.now() });
    // queued by mqtt.js while offline and sent (again) until the broker acknowledges it
    this.client?.publish(topics.event(this.cred.edgeId, 'lifecycle'), payload, { qos: 1 }, (err) => {
      if (!err) this.acked++;
    });
  }

  private resend(due: (sentAt: number) => boolean): void {
    if (!this.connected) return;
    for (const entry of this.unconfirmed.values()) {
      if (!due(entry.sentAt)) continue;
      entry.sentAt = Date.now();
      this.resent++;
      this.client?.publish(topics.event(this.cred.edgeId, 'lifecycle'), entry.payload, { qos: 1 });
    }
  }

  private telemetry(): void {
    if (!this.connected) return;
    this.client?.publish(topics.telemetry(this.cred.edgeId), JSON.stringify({ ...makeTelemetry(this.cred.edgeId, this.startedAt, this.reconnects), intervalS: this.telemetryEveryMs / 1000 }), { qos: 0 });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parts = topic.split('/');
    const channel = parts[parts.length - 2];
    const name = parts[parts.length - 1]!;
    if (topic === topics.stored(this.cred.edgeId)) {
      const confirmed = storedEventsSchema.parse(JSON.parse(payload.toString()));
      for (const id of [...confirmed.eventIds, ...confirmed.refused.map((r) => r.eventId)]) this.unconfirmed.delete(id);
    } else if (channel === 'desired' && payload.length > 0) {
      const version = (JSON.parse(payload.toString()) as { version?: number }).version;
      if (typeof version !== 'number') return;
      const seen = this.desired.get(name);
      if (seen !== undefined && version < seen) this.staleDesired.push(`${name}: has ${seen}, delivered ${version}`);
      this.desired.set(name, Math.max(seen ?? 0, version));
    } else if (channel === 'req' && name === 'ping') {
      const request = JSON.parse(payload.toString()) as { transaction: string };
      const now = Date.now();
      this.pings++;
      this.client?.publish(topics.res(this.cred.edgeId, 'ping'), JSON.stringify({ transaction: request.transaction, ts: now, ok: true, body: { t1: now, t2: now } }), { qos: 1 });
    }
  }

  async stop(): Promise<void> {
    this.stopEvents();
    if (this.telemetryTimer) clearInterval(this.telemetryTimer);
    await new Promise<void>((resolve) => (this.client ? this.client.end(true, {}, () => resolve()) : resolve()));
  }
}
