import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '@smart-commune/shared/runtime';

/**
 * The cloud as administrator of Mosquitto's dynamic security plugin: JSON commands published on
 * `$CONTROL/dynamic-security/v1`, answers read from `…/v1/response`. Commands go in batches (one
 * MQTT message holds many), each with its own correlation data so its answer is found among the
 * answers to other administrators (every admin subscriber receives every response).
 *
 * It has its own MQTT connection (client id sc-dynsec-<pid>-<random>), so the cloud's message
 * traffic and the administration never wait on each other, and `onConnect` runs after the first
 * connection and after every reconnection: that is when the cloud reconciles the broker's accounts.
 */

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;

export type DynsecCommand = { command: string } & Record<string, unknown>;

/** One command the plugin refused: its name, its error text and the command as sent. */
export class DynsecCommandError extends Error {
  constructor(
    readonly command: DynsecCommand,
    readonly brokerError: string,
  ) {
    super(`dynamic security refused ${command.command}${subject(command)}: ${brokerError}`);
    this.name = 'DynsecCommandError';
  }
}

/** No answer within the timeout (the broker went away, the plugin is not loaded, or we may not administer it). */
export class DynsecTimeoutError extends Error {
  constructor(
    readonly commands: DynsecCommand[],
    timeoutMs: number,
  ) {
    super(`no answer from dynamic security within ${timeoutMs} ms to ${commands.length} command(s), first ${commands[0]?.command}${commands[0] ? subject(commands[0]) : ''}: is the plugin loaded and is the admin account allowed on ${DYNSEC_TOPIC}?`);
    this.name = 'DynsecTimeoutError';
  }
}

function subject(command: DynsecCommand): string {
  const name = command.username ?? command.rolename ?? command.groupname;
  return typeof name === 'string' ? ` (${name})` : '';
}

/** One command's answer: `error` set when the plugin refused it. */
export interface DynsecResult {
  command: string;
  error?: string;
  data?: unknown;
}

export interface DynsecAdminOptions {
  url: string;
  username: string;
  password: string;
  logger: Logger;
  /** How long one batch may wait for all its answers. Default 10 s. */
  timeoutMs?: number;
  /** Commands per MQTT message; the plugin handles a message's commands in order. Default 100. */
  batchSize?: number;
  /** After the first connection and every reconnection (errors are logged, never thrown). */
  onConnect?: () => Promise<void>;
}

interface Waiting {
  resolve: (result: DynsecResult) => void;
  reject: (err: Error) => void;
}

export class DynsecAdmin {
  private readonly client: MqttClient;
  private readonly waiting = new Map<string, Waiting>();
  private readonly prefix = randomBytes(6).toString('hex');
  private counter = 0;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  /** Resolved while connected with the answers subscribed: a command sent before that would miss its answer. */
  private ready: Promise<void> | undefined;
  private isReady = false;
  private markReady: () => void = () => undefined;

  private constructor(private readonly options: DynsecAdminOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
    this.client = connect(options.url, {
      protocolVersion: 4,
      clientId: `sc-dynsec-${process.pid}-${this.prefix}`,
      username: options.username,
      password: options.password,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.notReady();
    this.client.on('close', () => this.notReady());
    this.client.on('message', (topic, payload) => this.onResponse(topic, payload));
    this.client.on('error', (err) => options.logger.error({ err: err.message }, 'dynamic security admin connection error'));
  }

  /** Connects (and subscribes to the answers) before resolving; onConnect then runs on every (re)connection. */
  static async connect(options: DynsecAdminOptions): Promise<DynsecAdmin> {
    const admin = new DynsecAdmin(options);
    await new Promise<void>((resolve, reject) => {
      admin.client.once('connect', () => resolve());
      admin.client.once('error', reject);
    });
    admin.client.on('connect', () => void admin.connected());
    await admin.connected();
    return admin;
  }

  /** A new promise to wait on after a disconnection (one per disconnection: commands sent meanwhile share it). */
  private notReady(): void {
    if (this.ready !== undefined && !this.isReady) return;
    this.isReady = false;
    this.ready = new Promise<void>((resolve) => {
      this.markReady = () => {
        this.isReady = true;
        resolve();
      };
    });
  }

  private async connected(): Promise<void> {
    try {
      // clean sessions: the subscription is made again on each connection
      await this.client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 });
      this.markReady();
      await this.options.onConnect?.();
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, 'after connecting to the broker, keeping its accounts in step failed; retried on the next connection');
    }
  }

  /**
   * Sends the commands (in batches, in order) and returns one result per command, refused ones
   * included: the caller decides which refusals matter (e.g. "Client already exists").
   */
  async run(commands: DynsecCommand[]): Promise<DynsecResult[]> {
    const results: DynsecResult[] = [];
    for (let i = 0; i < commands.length; i += this.batchSize) results.push(...(await this.batch(commands.slice(i, i + this.batchSize))));
    return results;
  }

  /** Like run(), but throws DynsecCommandError for the first refused command. */
  async runOrThrow(commands: DynsecCommand[]): Promise<DynsecResult[]> {
    const results = await this.run(commands);
    results.forEach((r, i) => {
      if (r.error) throw new DynsecCommandError(commands[i]!, r.error);
    });
    return results;
  }

  private async batch(commands: DynsecCommand[]): Promise<DynsecResult[]> {
    const ids = commands.map(() => `${this.prefix}-${++this.counter}`);
    let timer: NodeJS.Timeout | undefined;
    const answers = Promise.all(ids.map((id) => new Promise<DynsecResult>((resolve, reject) => this.waiting.set(id, { resolve, reject }))));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DynsecTimeoutError(commands, this.timeoutMs)), this.timeoutMs);
    });
    try {
      const message = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) });
      await Promise.race([this.ready!, timeout]);
      const sent = this.client.publishAsync(DYNSEC_TOPIC, message, { qos: 1 });
      sent.catch(() => undefined); // after a timeout nobody awaits it; closing the connection rejects it
      await Promise.race([sent, timeout]);
      return await Promise.race([answers, timeout]);
    } finally {
      clearTimeout(timer);
      for (const id of ids) this.waiting.delete(id);
      answers.catch(() => undefined);
    }
  }

  private onResponse(topic: string, payload: Buffer): void {
    if (topic !== DYNSEC_RESPONSE_TOPIC) return;
    let body: { responses?: Array<{ command?: unknown; error?: unknown; data?: unknown; correlationData?: unknown }> };
    try {
      body = JSON.parse(payload.toString('utf8')) as typeof body;
    } catch {
      this.options.logger.warn('dynamic security answered with something that is not JSON');
      return;
    }
    for (const r of Array.isArray(body.responses) ? body.responses : []) {
      if (typeof r.correlationData !== 'string') continue;
      const waiting = this.waiting.get(r.correlationData);
      if (!waiting) continue; // another administrator's, or a batch that already timed out
      this.waiting.delete(r.correlationData);
      waiting.resolve({
        command: String(r.command),
        ...(typeof r.error === 'string' ? { error: r.error } : {}),
        ...(r.data !== undefined ? { data: r.data } : {}),
      });
    }
  }

  get connectedNow(): boolean {
    return this.client.connected;
  }

  async close(): Promise<void> {
    for (const w of this.waiting.values()) w.reject(new Error('the dynamic security admin connection was closed'));
    this.waiting.clear();
    await this.client.endAsync();
  }
}
