import { createHash } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { newId, ownContract, releaseBodySchema, topics, type UpdateEvent } from '../../../../shared/src/index.js';
import { makeTelemetry, offlinePayload } from '../fleet/simulated-telemetry.js';
import type { Cred } from '../fleet/common.js';

/**
 * A light simulated box for the rollout benchmark: one MQTT client like the fleet benchmark's, plus what
 * the update module does on the wire. On a `release` document it downloads the bundle over HTTP with its
 * own credentials (bytes counted and hashed, not kept), reports downloading → installed → switching,
 * "restarts" (disconnects for restartMs), and comes back running the new version: telemetry and `running`.
 */
export class SimBox {
  private client: MqttClient | null = null;
  private version: string;
  private busy: string | null = null;
  private readonly startedAt = Date.now();
  bytesDownloaded = 0;
  errors: string[] = [];

  constructor(
    private readonly cred: Cred,
    private readonly mqttUrl: string,
    private readonly httpUrl: string,
    startVersion: string,
    private readonly restartMs: number,
  ) {
    this.version = startVersion;
  }

  connect(): Promise<void> {
    const client = connect(this.mqttUrl, {
      protocolVersion: 4,
      clientId: this.cred.edgeId,
      username: this.cred.username,
      password: this.cred.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 1000,
      will: { topic: topics.availability(this.cred.edgeId), payload: offlinePayload(), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload) => void this.onMessage(topic, payload));
    return new Promise((resolve, reject) => {
      client.once('connect', () => {
        client.publish(topics.availability(this.cred.edgeId), JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true });
        client.subscribe(topics.desired(this.cred.edgeId, '+'), { qos: 1 });
        this.telemetry();
        resolve();
      });
      client.once('error', reject);
    });
  }

  /** With its contract, as a box of this tree announces it: the cloud withholds the `release` document from a box that announced none (revision 1). */
  private telemetry(): void {
    this.client?.publish(topics.telemetry(this.cred.edgeId), JSON.stringify({ ...makeTelemetry(this.cred.edgeId, this.startedAt, 0), softwareVersion: this.version, contract: ownContract() }), { qos: 0 });
  }

  private event(body: Omit<UpdateEvent, 'runningVersion'>): void {
    const message = { eventId: newId('evt', 16), ts: Date.now(), body: { ...body, runningVersion: this.version, at: Date.now() } };
    this.client?.publish(topics.event(this.cred.edgeId, 'update'), JSON.stringify(message), { qos: 1 });
  }

  private async onMessage(topic: string, payload: Buffer): Promise<void> {
    if (!topic.endsWith('/desired/release') || payload.length === 0) return;
    const parsed = releaseBodySchema.safeParse((JSON.parse(payload.toString()) as { body: unknown }).body);
    const target = parsed.success ? parsed.data.target : null;
    if (!target) return;
    if (target.version === this.version) return this.event({ phase: 'running', version: target.version, rolloutId: target.rolloutId });
    if (this.busy === target.version) return;
    this.busy = target.version;
    try {
      const bundle = target.bundles[0]!;
      const res = await fetch(`${this.httpUrl}${bundle.path}`, { headers: { authorization: `Basic ${Buffer.from(`${this.cred.username}:${this.cred.password}`).toString('base64')}` } });
      if (!res.ok || !res.body) throw new Error(`download answered ${res.status}`);
      const hash = createHash('sha256');
      let bytes = 0;
      let reported = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        if (bytes - reported > bundle.bytes / 2) {
          reported = bytes;
          this.event({ phase: 'downloading', version: target.version, rolloutId: target.rolloutId, bytesDone: bytes, bytesTotal: bundle.bytes });
        }
      }
      this.bytesDownloaded += bytes;
      if (hash.digest('hex') !== bundle.sha256) throw new Error('sha256 mismatch');
      this.event({ phase: 'installed', version: target.version, rolloutId: target.rolloutId });
      this.event({ phase: 'switching', version: target.version, rolloutId: target.rolloutId });
      // the daemon exits, the supervisor starts the new version, which connects again
      await new Promise<void>((resolve) => this.client!.end(false, {}, () => resolve()));
      await new Promise((r) => setTimeout(r, this.restartMs));
      this.version = target.version;
      await this.connect();
      this.event({ phase: 'running', version: target.version, rolloutId: target.rolloutId });
    } catch (err) {
      this.errors.push((err as Error).message);
      this.event({ phase: 'failed', version: target.version, rolloutId: target.rolloutId, reason: (err as Error).message });
    } finally {
      this.busy = null;
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.client ? this.client.end(true, {}, () => resolve()) : resolve()));
  }
}
