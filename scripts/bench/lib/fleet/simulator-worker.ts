import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { topics } from '../../../../shared/src/index.js';
import { Backoff } from '../../../../shared/src/runtime/backoff.js';
import { EDGE_BACKOFF, INTERVAL_S, type Cred } from './common.js';
import { makeTelemetry, offlinePayload } from './simulated-telemetry.js';
import type { FromWorker, ToWorker, WorkerStats } from './worker-protocol.js';

/**
 * A simulator process (`scripts/bench/fleet.ts --worker`): its share of the simulated edges, each an MQTT
 * client that behaves like the real edge's link. Driven by the orchestrator over IPC (see worker-protocol).
 */
export async function workerMain(): Promise<void> {
  const send = (msg: FromWorker) => process.send!(msg);
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let url = '';
  let edges: SimEdge[] = [];
  let stopping = false;
  let telemetrySent = 0;
  let otherSent = 0;
  let attempts = 0;
  const errors: Record<string, number> = {};
  const countError = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);

  /** Notified on every successful connection (edge, ms since its attempt started). */
  let onEdgeConnected: (edge: SimEdge, now: number) => void = () => undefined;

  class SimEdge {
    client: MqttClient | null = null;
    connected = false;
    reconnects = 0;
    attemptAt = 0;
    private timer: NodeJS.Timeout | null = null;
    private reconnectTimer: NodeJS.Timeout | null = null;
    private readonly backoff = new Backoff(EDGE_BACKOFF);
    private readonly startedAt = Date.now();
    private readonly availability: string;
    private readonly telemetryTopic: string;
    /** Called once when the first attempt ends, either way (frees a slot of the connect window). */
    private settle: (() => void) | null = null;

    constructor(readonly cred: Cred) {
      this.availability = topics.availability(cred.edgeId);
      this.telemetryTopic = topics.telemetry(cred.edgeId);
    }

    start(settle: () => void): void {
      this.settle = settle;
      this.attemptAt = Date.now();
      attempts++;
      const options: IClientOptions = {
        protocolVersion: 4,
        clientId: this.cred.edgeId,
        username: this.cred.username,
        password: this.cred.password,
        clean: true,
        keepalive: 30,
        connectTimeout: 10_000,
        reconnectPeriod: 0, // reconnection is ours, with the edge's backoff and jitter
        queueQoSZero: false,
        will: { topic: this.availability, payload: offlinePayload(), qos: 1, retain: true },
      };
      const client = connect(url, options);
      this.client = client;
      client.on('connect', () => {
        if (stopping) return;
        this.connected = true;
        this.backoff.reset();
        this.settle?.();
        this.settle = null;
        // what the real edge (edge/src/link/mqtt-link.ts) does on every connection: online (retained), its
        // subscriptions, a heartbeat. Like the edge, it subscribes here although mqtt.js also resubscribes
        // by itself after a reconnect, so a reconnect sends two SUBSCRIBEs and gets the retained config twice.
        client.publish(this.availability, JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true });
        client.subscribe([topics.desired(this.cred.edgeId, '+'), topics.req(this.cred.edgeId, '+')], { qos: 1 });
        otherSent++;
        this.sendTelemetry();
        if (!this.timer) {
          // stagger: each box's heartbeat has its own phase within the interval
          this.timer = setTimeout(() => {
            this.sendTelemetry();
            this.timer = setInterval(() => this.sendTelemetry(), INTERVAL_S * 1000);
          }, Math.random() * INTERVAL_S * 1000);
        }
        onEdgeConnected(this, Date.now());
      });
      client.on('message', (topic, payload) => {
        // the retained desired config arrives on every subscription; the edge acknowledges it
        if (!topic.includes('/desired/') || payload.length === 0) return;
        try {
          const desired = JSON.parse(payload.toString()) as { version: number };
          const doc = topic.slice(topic.lastIndexOf('/') + 1);
          client.publish(topics.reported(this.cred.edgeId, doc), JSON.stringify({ version: desired.version, status: 'applied', ts: Date.now() }), { qos: 1, retain: true });
          otherSent++;
        } catch {
          countError('bad desired payload');
        }
      });
      client.on('error', (err: Error & { code?: string | number }) => countError(String(err.code ?? err.message).slice(0, 60)));
      client.on('close', () => {
        if (this.connected) this.connected = false;
        else if (this.settle) {
          this.settle();
          this.settle = null;
        }
        this.scheduleReconnect();
      });
    }

    private scheduleReconnect(): void {
      if (stopping || this.reconnectTimer) return;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (stopping || !this.client) return;
        // like the edge: every new connection carries a will with a fresh timestamp
        if (this.client.options.will) this.client.options.will.payload = offlinePayload();
        this.reconnects++;
        this.attemptAt = Date.now();
        attempts++;
        this.client.reconnect();
      }, this.backoff.next());
    }

    private sendTelemetry(): void {
      const client = this.client;
      if (!this.connected || !client) return;
      client.publish(this.telemetryTopic, JSON.stringify(makeTelemetry(this.cred.edgeId, this.startedAt, this.reconnects)), { qos: 0 });
      telemetrySent++;
    }

    /** The network goes away: the socket is destroyed without DISCONNECT (the broker publishes the will). */
    drop(): boolean {
      if (!this.connected || !this.client) return false;
      this.client.stream.destroy();
      return true;
    }

    stop(): void {
      if (this.timer) clearTimeout(this.timer); // clears intervals too
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.client?.end(true);
    }
  }

  const stats = (reset: boolean, ids = false): WorkerStats => {
    const s: WorkerStats = {
      connected: edges.filter((e) => e.connected).length,
      total: edges.length,
      telemetrySent,
      otherSent,
      attempts,
      errors: { ...errors },
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
    };
    if (ids) s.connectedIds = edges.filter((e) => e.connected).map((e) => e.cred.edgeId);
    if (reset) loop.reset();
    return s;
  };

  process.on('message', (msg: ToWorker) => {
    switch (msg.type) {
      case 'init':
        url = msg.url;
        edges = msg.creds.map((c) => new SimEdge(c));
        send({ type: 'initialized' });
        return;
      case 'connect': {
        const firstStartAt = Date.now();
        const latencies: number[] = [];
        let done = 0;
        let next = 0;
        let lastConnectAt = 0;
        const seen = new Set<SimEdge>();
        onEdgeConnected = (edge, now) => {
          if (seen.has(edge)) return;
          seen.add(edge);
          latencies.push(now - edge.attemptAt);
          lastConnectAt = now;
          if (seen.size === edges.length) {
            onEdgeConnected = () => undefined;
            send({ type: 'connected', firstStartAt, lastConnectAt, latencies, attempts, connected: edges.filter((e) => e.connected).length });
          }
        };
        const pump = () => {
          while (next - done < msg.window && next < edges.length) {
            const edge = edges[next++]!;
            let settled = false;
            edge.start(() => {
              if (settled) return;
              settled = true;
              done++;
              pump();
            });
          }
        };
        pump();
        return;
      }
      case 'storm': {
        const dropAt = Date.now();
        const attemptsBefore = attempts;
        const dropped = new Set<SimEdge>();
        for (const edge of edges) if (edge.drop()) dropped.add(edge);
        send({ type: 'storm-started', dropAt, dropped: dropped.size });
        const latencies: number[] = [];
        let lastConnectAt = 0;
        onEdgeConnected = (edge, now) => {
          if (!dropped.has(edge)) return;
          dropped.delete(edge);
          latencies.push(now - dropAt);
          lastConnectAt = now;
          if (dropped.size === 0) {
            onEdgeConnected = () => undefined;
            send({ type: 'storm-done', dropAt, dropped: latencies.length, lastConnectAt, latencies, attempts: attempts - attemptsBefore });
          }
        };
        if (dropped.size === 0) send({ type: 'storm-done', dropAt, dropped: 0, lastConnectAt: dropAt, latencies, attempts: 0 });
        return;
      }
      case 'stats':
        send({ type: 'stats', ...stats(msg.reset, msg.ids) });
        return;
      case 'stop':
        stopping = true;
        for (const edge of edges) edge.stop();
        send({ type: 'stopped' });
        setTimeout(() => process.exit(0), 200);
        return;
    }
  });
  process.on('disconnect', () => process.exit(0)); // the parent is gone: never linger
  send({ type: 'ready' });
}
