import { connect as mqttConnectClient, type MqttClient } from 'mqtt';
import { topics } from '../../../../shared/src/index.js';
import { makeTelemetry } from '../fleet/simulated-telemetry.js';
import { jsonPost } from './watch.js';

/** The people and the box the attacks must not stop: a login every 2 s from 127.0.0.1 and a box sending telemetry. */
export class LegitimateUse {
  readonly login = { tries: 0, failures: 0, firstFailure: null as string | null };
  readonly box = { sent: 0, acked: 0, disconnects: 0, lastAckAt: 0 };
  private timer: NodeJS.Timeout | null = null;
  private client: MqttClient | null = null;

  constructor(
    private readonly base: string,
    private readonly mqttUrl: string,
    private readonly admin: { username: string; password: string },
    private readonly edge: { edgeId: string; username: string; password: string },
  ) {}

  async start(): Promise<void> {
    const { edgeId, username, password } = this.edge;
    this.client = mqttConnectClient(this.mqttUrl, { clientId: edgeId, username, password, reconnectPeriod: 1000, connectTimeout: 5000 });
    this.client.on('error', () => {});
    this.client.on('close', () => this.box.disconnects++);
    await new Promise<void>((resolve, reject) => {
      this.client!.once('connect', () => resolve());
      this.client!.once('error', reject);
    });
    this.client.publish(topics.availability(edgeId), JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true });
    const startedAt = Date.now();
    this.timer = setInterval(() => {
      this.tryLogin();
      this.box.sent++;
      this.client!.publish(topics.telemetry(edgeId), JSON.stringify(makeTelemetry(edgeId, startedAt, this.box.disconnects)), { qos: 1 }, (err) => {
        if (err) return;
        this.box.acked++;
        this.box.lastAckAt = Date.now();
      });
    }, 2000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.client?.removeAllListeners('close'); // its own goodbye is not a disconnect
    await new Promise<void>((resolve) => (this.client ? this.client.end(false, {}, () => resolve()) : resolve()));
  }

  /** One login as the real admin would, from 127.0.0.1; true when it worked. */
  async tryLogin(): Promise<boolean> {
    this.login.tries++;
    const reply = await jsonPost(this.base, '/api/v1/auth/token', this.admin, { localAddress: '127.0.0.1' }).catch((err: Error) => ({ status: 0, body: err.message }));
    if (reply.status === 200) return true;
    this.login.failures++;
    this.login.firstFailure ??= `${reply.status} ${reply.body.slice(0, 200)}`;
    return false;
  }
}
