import { EventEmitter } from 'node:events';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { topicMatches, topics } from '@smart-commune/shared';
import { Backoff, type BackoffOptions, type Logger } from '@smart-commune/shared/runtime';
import type { Credentials, EdgeConfig } from '../config.js';
import type { StateStore } from '../db/state.js';

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'refused' | 'stopped';

export interface LinkStatus {
  state: LinkState;
  since: number;
  lastError: string | null;
  reconnects: number;
}

export type Handler = (topic: string, payload: Buffer) => void;

export interface MqttLinkOptions {
  config: EdgeConfig;
  /** Read before every connection attempt, so rotated or re-provisioned credentials take effect. */
  credentials(): Credentials;
  state: StateStore;
  logger: Logger;
  backoff?: BackoffOptions;
  keepaliveS?: number;
}

/**
 * Availability of one connection carries the moment it began, in both its "online" and its last
 * will: the cloud can then tell a late will of an earlier connection (older stamp) from this one's.
 */
const availabilityPayload = (state: 'online' | 'offline', connectionStartedAt: number) => Buffer.from(JSON.stringify({ state, ts: connectionStartedAt }));

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000, jitter: 0.3 };

/**
 * The box's one MQTT connection: authenticated with its own credentials, retained availability
 * with a last will of offline, reconnection with exponential backoff and jitter so a fleet coming
 * back after an outage does not hit the broker in lock step.
 */
export class MqttLink extends EventEmitter<{ connected: []; disconnected: [] }> {
  private client: MqttClient | null = null;
  private readonly handlers: { filter: string; handler: Handler }[] = [];
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private connectionStartedAt = Date.now();
  private status: LinkStatus = { state: 'connecting', since: Date.now(), lastError: null, reconnects: 0 };
  /** Refused with the current secret while a previous one is stored: the next attempts use that one (see credentialsSchema). */
  private usePrevious = false;

  constructor(private readonly options: MqttLinkOptions) {
    super();
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get reconnects(): number {
    return this.status.reconnects;
  }

  start(): void {
    const { config } = this.options;
    const credentials = this.options.credentials();
    const availability = topics.availability(config.edgeId);
    const clientOptions: IClientOptions = {
      protocolVersion: 4,
      clientId: config.edgeId,
      username: credentials.username,
      password: credentials.password,
      clean: true,
      keepalive: this.options.keepaliveS ?? 30,
      connectTimeout: 10_000,
      reconnectPeriod: 0, // reconnection is ours, with backoff and jitter
      resubscribe: false, // the connect handler subscribes; mqtt.js doing it too doubles the broker's retained scans
      queueQoSZero: false,
      will: { topic: availability, payload: availabilityPayload('offline', this.connectionStartedAt), qos: 1, retain: true },
    };
    const client = connect(config.mqttUrl, clientOptions);
    this.client = client;
    client.on('connect', () => {
      if (this.stopping) return;
      this.backoff.reset();
      this.setStatus('connected', null);
      this.options.logger.info({ mqttUrl: config.mqttUrl }, 'connected to the cloud broker');
      client.publish(availability, availabilityPayload('online', this.connectionStartedAt), { qos: 1, retain: true });
      // once per filter: several modules may read one topic, and Aedes grants a filter named twice once,
      // which mqtt.js takes for a protocol error (it closes the connection)
      const filters = [...new Set(this.handlers.map((h) => h.filter))];
      if (filters.length) client.subscribe(filters, { qos: 1 });
      this.emit('connected');
    });
    client.on('message', (topic, payload) => {
      for (const { filter, handler } of this.handlers) if (topicMatches(filter, topic)) handler(topic, payload);
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      if (this.stopping) return;
      const refused = err.code === 4 || err.code === 5;
      // a rotation whose acknowledgement the cloud never got: the broker may still hold the previous secret
      if (refused && this.options.credentials().previousPassword) {
        this.usePrevious = !this.usePrevious;
        this.options.logger.warn({ previous: this.usePrevious }, 'the broker refused this box\'s secret; trying the other one it holds');
      } else if (refused) this.options.logger.error('the broker refused this box\'s credentials: was it revoked? Provision it again with a new claim token');
      else this.options.logger.warn({ err: err.message }, 'MQTT connection error');
      this.setStatus(refused ? 'refused' : 'disconnected', err.message);
    });
    client.on('close', () => {
      if (this.stopping) return;
      const wasConnected = this.status.state === 'connected';
      if (wasConnected) {
        this.setStatus('disconnected', this.status.lastError);
        this.options.logger.warn('disconnected from the cloud broker');
        this.emit('disconnected');
      }
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopping || !this.client) return;
      const credentials = this.options.credentials();
      this.client.options.username = credentials.username;
      this.client.options.password = this.usePrevious && credentials.previousPassword ? credentials.previousPassword : credentials.password;
      this.connectionStartedAt = Date.now();
      if (this.client.options.will) this.client.options.will.payload = availabilityPayload('offline', this.connectionStartedAt);
      this.status.reconnects++;
      this.client.reconnect();
    }, delay);
  }

  subscribe(filter: string, handler: Handler): void {
    const subscribed = this.handlers.some((h) => h.filter === filter);
    this.handlers.push({ filter, handler });
    if (this.client?.connected && !subscribed) this.client.subscribe(filter, { qos: 1 });
  }

  /** Publishes now; rejects when not connected so callers (the outbox) keep the message. */
  publish(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) =>
      client.publish(topic, payload, { qos: options.qos, retain: options.retain ?? false }, (err) => (err ? reject(err) : resolve())),
    );
  }

  getStatus(): LinkStatus {
    return { ...this.status };
  }

  /** Says offline (retained) and disconnects cleanly. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      const availability = topics.availability(this.options.config.edgeId);
      await client.publishAsync(availability, JSON.stringify({ state: 'offline', ts: Date.now() }), { qos: 1, retain: true }).catch(() => undefined);
    }
    // a clean DISCONNECT so the broker discards the last will; forced if the broker does not answer
    const clean = client.endAsync(false).then(() => true, () => false);
    const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
    if (!(await Promise.race([clean, timedOut]))) await client.endAsync(true).catch(() => undefined);
    this.setStatus('stopped', null);
  }

  private setStatus(state: LinkState, lastError: string | null): void {
    if (this.status.state !== state) this.status = { ...this.status, state, since: Date.now() };
    this.status.lastError = lastError;
    this.options.state.set('link', this.status);
  }
}
