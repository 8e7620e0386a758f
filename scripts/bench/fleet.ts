/**
 * Fleet benchmark: N simulated edge boxes, each with its own credentials, against the cloud's
 * embedded MQTT broker.
 *
 *   scripts/bench/fleet [--edges N] [--duration S] [--workers W] [--connect-window K]
 *
 * The cloud runs as its own process (`node cloud/dist/cli.js`, fresh data dir, free ports on
 * 127.0.0.1) so its CPU and RSS read from /proc are its alone. The simulated edges run in W child
 * processes of this script (`--worker`); this process provisions the edges over HTTP, measures
 * latency with one MQTT subscriber using the cloud's service credential, polls /metrics and
 * /healthz, and samples /proc. Phases: setup (provision, not timed as connect) → baseline →
 * connect → steady window → reconnect storm → short check after the storm → RESULT line.
 */
import { fork, spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { PROTOCOL_VERSION, telemetrySchema, topics, type Telemetry } from '../../shared/src/index.js';
import { Backoff } from '../../shared/src/runtime/backoff.js';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '../..');
const HOST = '127.0.0.1';
const INTERVAL_S = 10;
const HAMLETS = ['ap-1', 'ap-2', 'ap-2a', 'ap-3', 'ap-3a', 'ap-4', 'ap-5', 'ap-6', 'ap-7'];
/** The real edge's reconnect backoff (edge/src/link/mqtt-link.ts). */
const EDGE_BACKOFF = { initialMs: 1000, maxMs: 60_000, jitter: 0.3 };
const DEFAULT_EDGES = 2000;

// ───────────────────────────── shared helpers ─────────────────────────────

interface Cred {
  edgeId: string;
  username: string;
  password: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (values: readonly number[]) => percentile(values, 50);
const round = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));
const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));

const offlinePayload = () => Buffer.from(JSON.stringify({ state: 'offline', ts: Date.now() }));

/** A telemetry payload as the real edge builds it (edge/src/fleet/telemetry.ts), with fixed host figures. */
function makeTelemetry(edgeId: string, startedAt: number, reconnects: number): Telemetry {
  const now = Date.now();
  return {
    ts: now,
    hostname: `sc-${edgeId.replace(/_/g, '-')}`,
    softwareVersion: '0.1.0-bench',
    protocolVersion: PROTOCOL_VERSION,
    intervalS: INTERVAL_S,
    uptimeS: { host: 86_400 + (now - startedAt) / 1000, daemon: (now - startedAt) / 1000 },
    load: [0.21, 0.17, 0.12],
    memory: { totalBytes: 4_124_000_256, freeBytes: 2_850_000_000, daemonRssBytes: 61_000_000 },
    disk: { path: '/var/lib/sc-edge', totalBytes: 31_000_000_000, freeBytes: 24_000_000_000 },
    temperatureC: 47.5,
    clock: { offsetMs: 1.4, roundTripMs: 38, measuredAt: startedAt },
    mqtt: { reconnects, outboxPending: 0 },
  };
}

// ───────────────────────────── worker: simulated edges ─────────────────────────────

type ToWorker =
  | { type: 'init'; url: string; creds: Cred[] }
  | { type: 'connect'; window: number }
  | { type: 'storm' }
  | { type: 'stats'; reset: boolean; ids?: boolean }
  | { type: 'stop' };

interface WorkerStats {
  connected: number;
  total: number;
  telemetrySent: number;
  otherSent: number;
  attempts: number;
  errors: Record<string, number>;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Edge ids connected right now (only when asked for). */
  connectedIds?: string[];
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'initialized' }
  | { type: 'connected'; firstStartAt: number; lastConnectAt: number; latencies: number[]; attempts: number; connected: number }
  | { type: 'storm-started'; dropAt: number; dropped: number }
  | { type: 'storm-done'; dropAt: number; dropped: number; lastConnectAt: number; latencies: number[]; attempts: number }
  | ({ type: 'stats' } & WorkerStats)
  | { type: 'stopped' };

async function workerMain(): Promise<void> {
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

// ───────────────────────────── main: orchestration and measurement ─────────────────────────────

interface Options {
  edges: number;
  durationS: number;
  workers: number;
  connectWindow: number;
  connectDeadlineS: number;
  stormTimeoutS: number;
  provisionConcurrency: number;
  keepData: boolean;
}

function usage(): string {
  return `usage: scripts/bench/fleet [options]
  --edges N            simulated edge boxes (default ${DEFAULT_EDGES}, or env BENCH_EDGES)
  --duration S         steady-state measurement window in seconds (default 40; split into ${INTERVAL_S} s windows)
  --workers W          child processes running the simulated edges (default: 1 per 1,000 edges, 1..4)
  --connect-window K   connection attempts in flight at once during the connect phase (default 200)
  --connect-deadline S give up connecting after S seconds (default 60)
  --storm-timeout S    give up waiting for the reconnect storm after S seconds (default 90)
  --keep-data          keep the cloud's temporary data dir and log`;
}

function parseOptions(argv: string[]): Options {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      console.log(usage());
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${usage()}`);
    const eq = arg.indexOf('=');
    if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === '--keep-data') flags.add('keep-data');
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${usage()}`);
      values.set(arg.slice(2), value);
    }
  }
  const known = new Set(['edges', 'duration', 'workers', 'connect-window', 'connect-deadline', 'storm-timeout']);
  for (const key of values.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}\n${usage()}`);
  const int = (key: string, fallback: number, min: number, max: number) => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${key} must be an integer in ${min}..${max} (got ${raw})`);
    return n;
  };
  const envEdges = process.env.BENCH_EDGES ? Number(process.env.BENCH_EDGES) : undefined;
  if (envEdges !== undefined && (!Number.isInteger(envEdges) || envEdges < 1)) throw new Error(`BENCH_EDGES must be a positive integer`);
  const edges = int('edges', envEdges ?? DEFAULT_EDGES, 1, 20_000);
  return {
    edges,
    durationS: int('duration', 40, 5, 600),
    workers: Math.min(edges, int('workers', Math.min(4, Math.max(1, Math.ceil(edges / 1000))), 1, 16)),
    connectWindow: int('connect-window', 200, 1, 20_000),
    connectDeadlineS: int('connect-deadline', 60, 5, 600),
    stormTimeoutS: int('storm-timeout', 90, 5, 600),
    provisionConcurrency: 20,
    keepData: flags.has('keep-data'),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcSample {
  t: number;
  cpuS: number;
  rssMb: number;
}

/** CPU seconds (user+system, all threads) and RSS of a process, from /proc. */
function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { t: Date.now(), cpuS, rssMb: rssKb / 1024 };
  } catch {
    return null;
  }
}

/** The whole machine's busy CPU seconds (all cores; 100 % = one core), from /proc/stat. */
function readMachine(): ProcSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { t: Date.now(), cpuS: (total - idle) / CLK_TCK, rssMb: NaN };
  } catch {
    return null;
  }
}

const cpuPct = (a: ProcSample | null, b: ProcSample | null) => (a && b && b.t > a.t ? ((b.cpuS - a.cpuS) / ((b.t - a.t) / 1000)) * 100 : null);

/** Samples processes every second; windows are read back by time. */
class Sampler {
  readonly samples = new Map<string, ProcSample[]>();
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly pids: () => Map<string, number>) {}
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
  tick(): void {
    for (const [name, pid] of this.pids()) {
      const s = pid === 0 ? readMachine() : readProc(pid);
      if (!s) continue;
      let list = this.samples.get(name);
      if (!list) this.samples.set(name, (list = []));
      list.push(s);
    }
  }
  /** Samples inside [t0, t1], widened by the nearest sample on each side so a short span still has two. */
  between(name: string, t0: number, t1: number): ProcSample[] {
    const list = this.samples.get(name) ?? [];
    let first = list.findIndex((s) => s.t >= t0);
    if (first < 0) first = list.length;
    let end = list.findIndex((s) => s.t > t1);
    if (end < 0) end = list.length;
    if (end - first >= 2) return list.slice(first, end);
    return list.slice(Math.max(0, first - 1), Math.min(list.length, end + 1));
  }
  /** Median of per-second CPU % and the average over the span, plus RSS median and max. */
  window(name: string, t0: number, t1: number) {
    const list = this.between(name, t0, t1);
    const perSecond: number[] = [];
    for (let i = 1; i < list.length; i++) {
      const p = cpuPct(list[i - 1]!, list[i]!);
      if (p !== null) perSecond.push(p);
    }
    return {
      cpuMedian: median(perSecond),
      cpuMax: perSecond.length ? Math.max(...perSecond) : null,
      cpuAvg: list.length > 1 ? cpuPct(list[0]!, list[list.length - 1]!) : null,
      rssMedian: median(list.map((s) => s.rssMb)),
      rssMax: list.length ? Math.max(...list.map((s) => s.rssMb)) : null,
      n: list.length,
    };
  }
}

interface Metrics {
  at: number;
  connected: number;
  online: number;
  messagesIn: number;
  messagesOut: number;
  /** The cloud's event-loop delay since the previous scrape (prom-client resets it on every scrape). */
  loopMaxMs: number;
  rejected: Record<string, number>;
}

function parseMetrics(text: string, at: number): Metrics {
  const value = (name: string) => {
    const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const rejected: Record<string, number> = {};
  for (const m of text.matchAll(/^sc_mqtt_rejected_total\{reason="([^"]+)"\} ([0-9.eE+-]+)$/gm)) rejected[m[1]!] = Number(m[2]);
  return {
    at,
    connected: value('sc_edges_connected'),
    online: value('sc_edges_online'),
    messagesIn: value('sc_mqtt_messages_in_total'),
    messagesOut: value('sc_mqtt_messages_out_total'),
    loopMaxMs: value('sc_cloud_nodejs_eventloop_lag_max_seconds') * 1000,
    rejected,
  };
}

class Http {
  token = '';
  constructor(readonly base: string) {}
  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: T; ms: number }> {
    const started = performance.now();
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = text ? JSON.parse(text) : null;
    return { status: res.status, body: parsed as T, ms: performance.now() - started };
  }
  async metrics(): Promise<Metrics> {
    const res = await this.request<string>('GET', '/metrics', undefined, 5000);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return parseMetrics(res.body, Date.now());
  }
}

interface HealthProbe {
  t: number;
  ok: boolean;
  ms: number;
  detail: string;
}

/** Polls /healthz (and optionally /metrics) at a fixed period; keeps every answer. */
class Poller {
  readonly health: HealthProbe[] = [];
  readonly metrics: Metrics[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  constructor(private readonly http: Http) {}
  start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.poll(), everyMs);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
  private async poll(): Promise<void> {
    if (this.busy) return; // never pile up requests on a slow cloud; a missed poll is visible as a gap
    this.busy = true;
    const t = Date.now();
    try {
      const res = await this.http.request<{ status?: string }>('GET', '/healthz', undefined, 2000);
      this.health.push({ t, ok: res.status === 200 && res.body?.status === 'ok', ms: res.ms, detail: String(res.status) });
    } catch (err) {
      this.health.push({ t, ok: false, ms: Date.now() - t, detail: (err as Error).name });
    }
    try {
      this.metrics.push(await this.http.metrics());
    } catch {
      // counted through the health probes
    } finally {
      this.busy = false;
    }
  }
  healthBetween(t0: number, t1: number) {
    const list = this.health.filter((h) => h.t >= t0 && h.t <= t1);
    return { n: list.length, ok: list.filter((h) => h.ok).length, p50: percentile(list.map((h) => h.ms), 50), p99: percentile(list.map((h) => h.ms), 99), max: list.length ? Math.max(...list.map((h) => h.ms)) : null, failures: list.filter((h) => !h.ok).map((h) => h.detail) };
  }
}

interface WorkerHandle {
  child: ChildProcess;
  index: number;
  /** Messages nobody waited for yet, and the waiters per message type. */
  inbox: FromWorker[];
  waiters: Map<string, ((msg: FromWorker) => void)[]>;
}

function startWorker(index: number): WorkerHandle {
  const child = fork(SCRIPT, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
  const handle: WorkerHandle = { child, index, inbox: [], waiters: new Map() };
  child.on('message', (msg: FromWorker) => {
    const waiter = handle.waiters.get(msg.type)?.shift();
    if (waiter) waiter(msg);
    else handle.inbox.push(msg);
  });
  return handle;
}

function expect<T extends FromWorker['type']>(w: WorkerHandle, type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
  const queued = w.inbox.findIndex((m) => m.type === type);
  if (queued >= 0) return Promise.resolve(w.inbox.splice(queued, 1)[0] as Extract<FromWorker, { type: T }>);
  return new Promise((resolveMsg, reject) => {
    const list = w.waiters.get(type) ?? [];
    w.waiters.set(type, list);
    const waiter = (msg: FromWorker) => {
      clearTimeout(timer);
      resolveMsg(msg as Extract<FromWorker, { type: T }>);
    };
    const timer = setTimeout(() => {
      list.splice(list.indexOf(waiter), 1);
      reject(new Error(`worker ${w.index}: no "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    list.push(waiter);
  });
}

/** Like expect(), but resolves null on timeout (the waiter stays registered and is ignored). */
async function expectOrNull<T extends FromWorker['type']>(w: WorkerHandle, type: T, timeoutMs: number) {
  return expect(w, type, timeoutMs).catch(() => null);
}

async function pool<T>(items: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(items);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items) }, async () => {
    while (next < items) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(runners);
  return results;
}

function tailOf(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Counts the cloud's warn/error log lines by message (pino JSON, one object per line). */
function logSummary(path: string): string[] {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let key = line.slice(0, 100);
    try {
      const obj = JSON.parse(line) as { level?: number; msg?: string };
      key = `${obj.level === 50 ? 'error' : obj.level === 60 ? 'fatal' : obj.level === 40 ? 'warn' : String(obj.level)}: ${obj.msg ?? ''}`;
    } catch {
      // not JSON: keep the raw start of the line
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const runStartedAt = Date.now();
  const N = opts.edges;
  const result: Record<string, unknown> = { edges: N, connect_s: null, rss_mb: null, msgs_per_s: null, p99_ms: null, reconnect_s: null };
  const notes: string[] = [];
  let exitCode = 0;

  const log = (line = '') => console.log(line);
  const cloudDist = join(ROOT, 'cloud/dist/cli.js');
  if (!existsSync(cloudDist)) throw new Error(`${cloudDist} is missing: run \`npx tsc -b\` first (scripts/bench/fleet does it)`);

  // the simulated payload must satisfy the contract, or the cloud would drop every message
  const check = telemetrySchema.safeParse(makeTelemetry('edg_selfcheck00000', Date.now(), 0));
  if (!check.success) throw new Error(`the simulated telemetry does not satisfy telemetrySchema: ${check.error.message}`);

  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-fleet-'));
  const logPath = join(dataDir, 'cloud.log');
  const httpPort = await freePort();
  let mqttPort = await freePort();
  while (mqttPort === httpPort) mqttPort = await freePort();
  const adminPassword = randomBytes(18).toString('base64url');

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SC_')) env[k] = v;
  Object.assign(env, {
    SC_DATA_DIR: dataDir,
    SC_HTTP_HOST: HOST,
    SC_HTTP_PORT: String(httpPort),
    SC_MQTT_HOST: HOST,
    SC_MQTT_PORT: String(mqttPort),
    SC_ADMIN_PASSWORD: adminPassword,
    SC_LOG_LEVEL: 'warn',
    SC_TELEMETRY_INTERVAL_S: String(INTERVAL_S),
  });

  const logFd = openSync(logPath, 'a');
  // BENCH_CLOUD_NODE_ARGS: extra node flags for the cloud process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it
  const cloudNodeArgs = (process.env.BENCH_CLOUD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const cloud = spawn(process.execPath, [...cloudNodeArgs, cloudDist], { cwd: ROOT, env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let cloudExit: string | null = null;
  cloud.on('exit', (code, signal) => (cloudExit = `exited with ${signal ?? code}`));

  const workers: WorkerHandle[] = [];
  let subscriber: MqttClient | null = null;
  const http = new Http(`http://${HOST}:${httpPort}`);
  const poller = new Poller(http);
  const sampler = new Sampler(() => {
    const pids = new Map<string, number>();
    if (cloud.pid && !cloudExit) pids.set('cloud', cloud.pid);
    pids.set('bench', process.pid);
    pids.set('machine', 0);
    for (const w of workers) if (w.child.pid) pids.set(`worker${w.index}`, w.child.pid);
    return pids;
  });

  /** CPU of everyone over a span, so a busy phase shows whether the cloud or the machine was the limit. */
  const othersCpu = (t0: number, t1: number) => {
    const m = sampler.window('machine', t0, t1).cpuAvg;
    if (m === null) return null;
    const sims = workers.reduce((a, w) => a + (sampler.window(`worker${w.index}`, t0, t1).cpuAvg ?? 0), 0);
    return Math.max(0, m - (sampler.window('cloud', t0, t1).cpuAvg ?? 0) - sims - (sampler.window('bench', t0, t1).cpuAvg ?? 0));
  };
  const contention = (phase: string, t0: number, t1: number) => {
    const o = othersCpu(t0, t1);
    if (o !== null && o > 50) notes.push(`other processes on this machine used ${o.toFixed(0)} % CPU during the ${phase} (100 % = one core of ${cpus().length}): the figures of that phase are distorted by contention (compare runs on a quiet machine)`);
  };
  const cpuLine = (t0: number, t1: number) => {
    const c = sampler.window('cloud', t0, t1);
    const sims = workers.reduce((a, w) => a + (sampler.window(`worker${w.index}`, t0, t1).cpuAvg ?? 0), 0);
    const m = sampler.window('machine', t0, t1);
    const main = sampler.window('bench', t0, t1).cpuAvg ?? 0;
    const others = othersCpu(t0, t1);
    return `CPU (100 % = one core): cloud ${fmt(c.cpuAvg, 0)} % avg, ${fmt(c.cpuMax, 0)} % peak 1 s; simulators ${fmt(sims, 0)} %; bench main ${fmt(main, 0)} %; other processes ${fmt(others, 0)} %; whole machine ${fmt(m.cpuAvg, 0)} % of ${cpus().length * 100} %`;
  };

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    poller.stop();
    sampler.stop();
    subscriber?.end(true);
    await Promise.all(
      workers.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        try {
          w.child.send({ type: 'stop' } satisfies ToWorker);
        } catch {
          // already gone
        }
        const exited = new Promise<void>((r) => w.child.once('exit', () => r()));
        await Promise.race([exited, sleep(5000)]);
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      }),
    );
    if (!cloudExit && cloud.pid) {
      const exited = new Promise<void>((r) => cloud.once('exit', () => r()));
      cloud.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (!cloudExit) cloud.kill('SIGKILL');
    }
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  };

  // the run stops by itself whatever happens
  const budgetS = 60 + Math.ceil(N / 40) + 30 + opts.connectDeadlineS + 5 + opts.durationS + opts.stormTimeoutS + 40 + 60;
  const watchdog = setTimeout(() => {
    console.error(`watchdog: the run exceeded its ${budgetS} s budget; stopping`);
    result.ok = false;
    result.error = 'watchdog timeout';
    void cleanup().finally(() => {
      console.log(`RESULT ${JSON.stringify(result)}`);
      process.exit(1);
    });
  }, budgetS * 1000);
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: the signal often arrives twice (from the terminal and relayed by npx/tsx), and with no
    // listener left the second one would kill this process before it has stopped the cloud and the simulators
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${sig}: stopping the cloud and the simulated edges`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    log(`== Smart Commune fleet benchmark ==`);
    log(`edges ${N}, telemetry every ${INTERVAL_S} s (QoS 0, staggered), steady window ${opts.durationS} s, ${opts.workers} simulator process(es), connect window ${opts.connectWindow}`);
    log(`machine: ${cpus().length} cores, node ${process.version}; cloud pid ${cloud.pid}, http ${HOST}:${httpPort}, mqtt ${HOST}:${mqttPort}, data ${dataDir}`);
    log(`hard stop after ${budgetS} s`);

    // ── start ──
    const startT = Date.now();
    for (;;) {
      if (cloudExit) throw new Error(`the cloud ${cloudExit} at start:\n${tailOf(logPath, 20)}`);
      if (Date.now() - startT > 30_000) throw new Error(`the cloud did not answer /healthz within 30 s:\n${tailOf(logPath, 20)}`);
      try {
        if ((await http.request('GET', '/healthz', undefined, 1000)).status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    log(`[start] cloud healthy after ${((Date.now() - startT) / 1000).toFixed(1)} s`);
    sampler.start();
    const servicePassword = readFileSync(join(dataDir, 'service-password.txt'), 'utf8').trim();

    // ── setup: provision N edges over HTTP (not part of connect_s) ──
    const login = await http.request<{ token: string }>('POST', '/api/v1/auth/token', { username: 'admin', password: adminPassword });
    if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
    http.token = login.body.token;
    const setupT0 = Date.now();
    let mqttUrl = '';
    let provisioned = 0;
    const progress = setInterval(() => {
      if (process.stdout.isTTY) process.stdout.write(`\r[setup] provisioning… ${provisioned}/${N}`);
    }, 1000);
    const creds = await pool(N, opts.provisionConcurrency, async (i): Promise<Cred> => {
      const name = `bench-edge-${String(i + 1).padStart(5, '0')}`;
      const created = await http.request<{ id: string }>('POST', '/api/v1/edges', { name, hamletCode: HAMLETS[i % HAMLETS.length] });
      if (created.status !== 201) throw new Error(`POST /api/v1/edges answered ${created.status}: ${JSON.stringify(created.body)}`);
      const token = await http.request<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
      if (token.status !== 201) throw new Error(`claim token: ${token.status} ${JSON.stringify(token.body)}`);
      const claim = await fetch(`${http.base}/api/v1/provision/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: token.body.token, hostname: `sc-${name}` }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await claim.json()) as { edgeId: string; mqtt: { url: string; username: string; password: string } };
      if (claim.status !== 200) throw new Error(`claim: ${claim.status} ${JSON.stringify(body)}`);
      mqttUrl = body.mqtt.url;
      provisioned++;
      return { edgeId: body.edgeId, username: body.mqtt.username, password: body.mqtt.password };
    });
    clearInterval(progress);
    const setupS = (Date.now() - setupT0) / 1000;
    const mqttHost = new URL(mqttUrl).hostname;
    if (mqttHost !== HOST) throw new Error(`the claim handed out ${mqttUrl}; this benchmark talks to ${HOST} only`);
    result.setup_s = round(setupS);
    if (process.stdout.isTTY) process.stdout.write('\r');
    log(`[setup] provisioned ${N} edges (create + claim token + claim) in ${setupS.toFixed(1)} s, ${(N / setupS).toFixed(0)} edges/s with ${opts.provisionConcurrency} in flight — not part of connect_s`);

    // ── simulator processes ──
    for (let i = 0; i < opts.workers; i++) workers.push(startWorker(i));
    await Promise.all(workers.map((w) => expect(w, 'ready', 30_000)));
    await Promise.all(
      workers.map((w) => {
        const slice = creds.filter((_, i) => i % opts.workers === w.index);
        w.child.send({ type: 'init', url: mqttUrl, creds: slice } satisfies ToWorker);
        return expect(w, 'initialized', 30_000);
      }),
    );

    // ── latency subscriber (the cloud's service credential) ──
    const latency: { t: number; ms: number }[] = [];
    let badTelemetry = 0;
    subscriber = connect(`mqtt://${HOST}:${mqttPort}`, {
      protocolVersion: 4,
      clientId: `bench-lat-${randomBytes(4).toString('hex')}`,
      username: 'sc-cloud',
      password: servicePassword,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 1000,
    });
    await new Promise<void>((resolveSub, reject) => {
      const timer = setTimeout(() => reject(new Error('latency subscriber could not connect within 10 s')), 10_000);
      subscriber!.once('connect', () => {
        subscriber!.subscribe(['sc/v1/edges/+/telemetry', 'sc/v1/edges/+/availability'], { qos: 0 }, (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolveSub();
        });
      });
    });
    /** Availability states per edge seen after the storm began (order as the broker delivered them). */
    const availabilityAfterStorm = new Map<string, string[]>();
    /** Last wills seen (the broker publishes them for dead connections, and the cloud counts them in). */
    let willsSeen = 0;
    let stormStartedAt = Infinity;
    subscriber.on('message', (topic, payload) => {
      const now = Date.now();
      if (topic.endsWith('/availability')) {
        if (now < stormStartedAt || payload.length === 0) return;
        try {
          const edgeId = topic.split('/')[3]!;
          const list = availabilityAfterStorm.get(edgeId) ?? [];
          const { state } = JSON.parse(payload.toString()) as { state: string };
          if (state === 'offline') willsSeen++;
          list.push(state);
          availabilityAfterStorm.set(edgeId, list);
        } catch {
          badTelemetry++;
        }
        return;
      }
      try {
        const ts = (JSON.parse(payload.toString()) as { ts: number }).ts;
        latency.push({ t: now, ms: now - ts });
      } catch {
        badTelemetry++;
      }
    });

    // ── baseline: cloud with N provisioned edges, none connected ──
    const baseT0 = Date.now();
    await sleep(4000);
    const base = sampler.window('cloud', baseT0, Date.now());
    const baseHealth: number[] = [];
    for (let i = 0; i < 5; i++) baseHealth.push((await http.request('GET', '/healthz')).ms);
    result.rss_baseline_mb = round(base.rssMedian);
    log(`[baseline] cloud with ${N} provisioned edges, none connected: RSS ${fmt(base.rssMedian)} MB (median of ${base.n} samples), CPU ${fmt(base.cpuMedian)} %, /healthz ${fmt(median(baseHealth))} ms`);
    log(`           ${cpuLine(baseT0, baseT0 + 4000)}`);

    // ── connect ──
    poller.start(500);
    const connectT0 = Date.now();
    for (const w of workers) w.child.send({ type: 'connect', window: Math.max(1, Math.ceil(opts.connectWindow / opts.workers)) } satisfies ToWorker);
    const connectDeadline = opts.connectDeadlineS * 1000;
    const connectReplies = await Promise.all(workers.map((w) => expectOrNull(w, 'connected', connectDeadline)));
    const connectT1 = Date.now();
    let connectedAll = connectReplies.every((r) => r !== null);
    // at the deadline: how many made it (asked at once, before anything else waits)
    const atDeadline = connectedAll
      ? null
      : await Promise.all(workers.map(async (w) => (w.child.send({ type: 'stats', reset: false } satisfies ToWorker), expect(w, 'stats', 10_000))));
    let brokerConnected = NaN;
    for (let i = 0; i < 20; i++) {
      brokerConnected = (await http.metrics()).connected;
      if (brokerConnected === N) break;
      await sleep(250);
    }
    const connectLat = connectReplies.flatMap((r) => r?.latencies ?? []);
    if (connectedAll && brokerConnected === N) {
      const lastAt = Math.max(...connectReplies.map((r) => r!.lastConnectAt));
      const connectS = (lastAt - connectT0) / 1000;
      const attempts = connectReplies.reduce((a, r) => a + (r?.attempts ?? 0), 0);
      result.connect_s = round(connectS, 2);
      log(`[connect] ${N}/${N} connected in ${connectS.toFixed(2)} s = ${(N / connectS).toFixed(0)} connections/s (${attempts} attempts; broker gauge sc_edges_connected=${brokerConnected})`);
      log(`          CONNACK latency p50 ${fmt(percentile(connectLat, 50), 0)} ms, p99 ${fmt(percentile(connectLat, 99), 0)} ms`);
      log(`          ${cpuLine(connectT0, lastAt)}`);
      contention('connect phase', connectT0, lastAt);
    } else {
      const stats = atDeadline ?? [];
      // every client saw its CONNACK but the broker's gauge disagrees: count what the clients say, and say so
      if (!atDeadline) notes.push(`all clients connected but sc_edges_connected reads ${brokerConnected}, not ${N}`);
      const connectedNow = atDeadline ? stats.reduce((a, s) => a + s.connected, 0) : connectReplies.reduce((a, r) => a + (r?.connected ?? 0), 0);
      const errs: Record<string, number> = {};
      for (const s of stats) for (const [k, v] of Object.entries(s.errors)) errs[k] = (errs[k] ?? 0) + v;
      result.connected = connectedNow;
      result.ok = false;
      exitCode = 1;
      connectedAll = false;
      const cloudCpu = sampler.window('cloud', connectT0, connectT1).cpuAvg;
      const others = othersCpu(connectT0, connectT1);
      notes.push(
        `only ${connectedNow} of ${N} edges connected within ${opts.connectDeadlineS} s (the cloud got ${fmt(cloudCpu, 0)} % CPU, other processes took ${fmt(others, 0)} %). ` +
          `The default of ${DEFAULT_EDGES} connects in about 15-50 s on a 2-core machine when the cloud gets most of a core; each connection costs the broker ` +
          `a scan of every retained message, so the connect phase grows with N²: on a busy machine try --edges 1500 or fewer`,
      );
      log(`[connect] FAILED: ${connectedNow}/${N} connected at the ${opts.connectDeadlineS} s deadline (${((connectT1 - connectT0) / 1000).toFixed(1)} s; the rest keep trying in the background, broker gauge ${brokerConnected} a moment later); client errors ${JSON.stringify(errs)}`);
      log(`          ${cpuLine(connectT0, connectT1)}`);
      contention('connect phase', connectT0, connectT1);
    }

    // ── steady state ──
    const warmupS = 5;
    await sleep(warmupS * 1000);
    poller.start(1000);
    const windowS = Math.min(INTERVAL_S, opts.durationS);
    const nWindows = Math.max(1, Math.floor(opts.durationS / windowS));
    const resetStats = () => Promise.all(workers.map(async (w) => (w.child.send({ type: 'stats', reset: true } satisfies ToWorker), expect(w, 'stats', 10_000))));
    const statsBefore = await resetStats();
    const steadyT0 = Date.now();
    let prev = { metrics: await http.metrics(), proc: readProc(cloud.pid!) };
    const windows: { msgsPerS: number; p50: number | null; p99: number | null; cpu: number | null; rss: number | null; samples: number; loopMax: number }[] = [];
    log(`[steady] ${warmupS} s warm-up, then ${nWindows} window(s) of ${windowS} s; latency = subscriber receive time − payload ts (sc-cloud service subscriber, same host clock)`);
    log(`          window  msgs/s  lat p50 ms  lat p99 ms  cloud CPU %  cloud RSS MB  cloud loop max ms`);
    for (let w = 0; w < nWindows; w++) {
      const target = steadyT0 + (w + 1) * windowS * 1000;
      await sleep(Math.max(0, target - Date.now()));
      const now = { metrics: await http.metrics(), proc: readProc(cloud.pid!) };
      const dt = (now.metrics.at - prev.metrics.at) / 1000;
      const msgsPerS = (now.metrics.messagesIn - prev.metrics.messagesIn) / dt;
      const lat = latency.filter((l) => l.t > prev.metrics.at && l.t <= now.metrics.at).map((l) => l.ms);
      const rss = sampler.window('cloud', prev.metrics.at, now.metrics.at).rssMedian;
      const loopMax = Math.max(now.metrics.loopMaxMs, ...poller.metrics.filter((m) => m.at > prev.metrics.at && m.at <= now.metrics.at).map((m) => m.loopMaxMs));
      const row = { msgsPerS, p50: percentile(lat, 50), p99: percentile(lat, 99), cpu: cpuPct(prev.proc, now.proc), rss, samples: lat.length, loopMax };
      windows.push(row);
      log(`          ${String(w + 1).padStart(6)}  ${fmt(row.msgsPerS).padStart(6)}  ${fmt(row.p50).padStart(10)}  ${fmt(row.p99).padStart(10)}  ${fmt(row.cpu).padStart(11)}  ${fmt(row.rss).padStart(12)}  ${fmt(row.loopMax, 0).padStart(17)}`);
      prev = now;
    }
    const steadyT1 = Date.now();
    const steadyLat = latency.filter((l) => l.t > steadyT0 && l.t <= steadyT1).map((l) => l.ms);
    const steadyMetrics = prev.metrics;
    const statsAfter = await resetStats();
    const telemetrySent = statsAfter.reduce((a, s) => a + s.telemetrySent, 0) - statsBefore.reduce((a, s) => a + s.telemetrySent, 0);
    const msgsPerS = median(windows.map((w) => w.msgsPerS));
    const p99 = median(windows.map((w) => w.p99).filter((v): v is number => v !== null));
    const p50 = median(windows.map((w) => w.p50).filter((v): v is number => v !== null));
    const cpuSteady = median(windows.map((w) => w.cpu).filter((v): v is number => v !== null));
    const steady = sampler.window('cloud', steadyT0, steadyT1);
    const rssMb = steady.rssMedian;
    const perConnKb = rssMb !== null && base.rssMedian !== null ? ((rssMb - base.rssMedian) * 1024) / N : null;
    Object.assign(result, {
      rss_mb: round(rssMb),
      msgs_per_s: round(msgsPerS),
      p99_ms: round(p99),
      p50_ms: round(p50),
      p99_all_ms: round(percentile(steadyLat, 99)),
      rss_per_conn_kb: round(perConnKb),
      cpu_pct: round(cpuSteady),
      cpu_baseline_pct: round(base.cpuMedian),
    });
    log(`          median  ${fmt(msgsPerS).padStart(6)}  ${fmt(p50).padStart(10)}  ${fmt(p99).padStart(10)}  ${fmt(cpuSteady).padStart(11)}  ${fmt(rssMb).padStart(12)}  ${fmt(median(windows.map((w) => w.loopMax)), 0).padStart(17)}`);
    log(`          expected ${(N / INTERVAL_S).toFixed(1)} msgs/s (N / ${INTERVAL_S} s); simulators sent ${telemetrySent} telemetry in ${((steadyT1 - steadyT0) / 1000).toFixed(1)} s, the subscriber received ${steadyLat.length}; p99 over the whole window ${fmt(percentile(steadyLat, 99))} ms, max ${fmt(steadyLat.length ? Math.max(...steadyLat) : null)} ms`);
    log(`          memory: rss_mb = cloud total RSS with ${N} connected (median of 1 s samples) = ${fmt(rssMb)} MB vs ${fmt(base.rssMedian)} MB baseline before connecting → +${fmt(rssMb !== null && base.rssMedian !== null ? rssMb - base.rssMedian : null)} MB = ${fmt(perConnKb)} KB per connection (max RSS in window ${fmt(steady.rssMax)} MB)`);
    log(`          (the delta also holds the one-off warm-up of the MQTT/ingest path and V8 heap growth, so KB per connection is an upper bound, meaningful at large N; compare runs at the same N)`);
    log(`          cloud CPU: ${fmt(cpuSteady)} % median of ${windowS} s windows (baseline idle ${fmt(base.cpuMedian)} %; 100 % = one core of ${cpus().length})`);
    log(`          ${cpuLine(steadyT0, steadyT1)}`);
    contention('steady window', steadyT0, steadyT1);
    result.others_cpu_pct = round(othersCpu(steadyT0, steadyT1), 0);
    const steadyHealth = poller.healthBetween(steadyT0, steadyT1);
    log(`          /healthz ${steadyHealth.ok}/${steadyHealth.n} OK, p50 ${fmt(steadyHealth.p50)} ms, p99 ${fmt(steadyHealth.p99)} ms`);
    // cross-check: what the cloud stored (telemetryAt is the cloud's clock at ingest)
    const listed = await http.request<{ edges: { online: boolean; telemetry: { ts: number } | null; telemetryAt: number | null }[] }>('GET', '/api/v1/edges', undefined, 30_000);
    if (listed.status === 200) {
      const stored = listed.body.edges.filter((e) => e.telemetry && e.telemetryAt).map((e) => e.telemetryAt! - e.telemetry!.ts);
      const online = listed.body.edges.filter((e) => e.online).length;
      result.store_p99_ms = round(percentile(stored, 99));
      log(`          stored telemetry (GET /api/v1/edges in ${listed.ms.toFixed(0)} ms: telemetryAt − telemetry.ts over ${stored.length} edges): p50 ${fmt(percentile(stored, 50))} ms, p99 ${fmt(percentile(stored, 99))} ms; ${online}/${N} online`);
    } else {
      log(`          GET /api/v1/edges answered ${listed.status}`);
    }
    const benchSteady = sampler.window('bench', steadyT0, steadyT1);
    const simLine = statsAfter
      .map((s, i) => {
        const w = sampler.window(`worker${i}`, steadyT0, steadyT1);
        return `worker${i}: ${s.total} edges, CPU ${fmt(w.cpuAvg)} %, RSS ${fmt(w.rssMedian)} MB, loop delay p99 ${fmt(s.loopDelayP99Ms)} ms`;
      })
      .join('; ');
    log(`          simulator: ${simLine}; main (subscriber+polling) CPU ${fmt(benchSteady.cpuAvg)} %`);
    const rejectedSteady = steadyMetrics.rejected;
    if ((rejectedSteady.schema ?? 0) > 0) notes.push(`the cloud rejected ${rejectedSteady.schema} payloads on schema: the simulated telemetry is not what the cloud expects`);
    if (badTelemetry) notes.push(`${badTelemetry} telemetry payloads seen by the subscriber were not JSON`);
    const expectedRate = N / INTERVAL_S;
    if (connectedAll && msgsPerS !== null && Math.abs(msgsPerS - expectedRate) > expectedRate * 0.1) notes.push(`msgs/s ${msgsPerS.toFixed(1)} differs from the expected ${expectedRate.toFixed(1)} by more than 10 %`);

    // ── reconnect storm ──
    poller.start(250);
    await sleep(300);
    const stormMetricsBefore = await http.metrics();
    const stormT0 = Date.now();
    stormStartedAt = stormT0;
    for (const w of workers) w.child.send({ type: 'storm' } satisfies ToWorker);
    const started = await Promise.all(workers.map((w) => expect(w, 'storm-started', 10_000)));
    const dropped = started.reduce((a, r) => a + r.dropped, 0);
    const dropAt = Math.min(...started.map((r) => r.dropAt));
    const stormReplies = await Promise.all(workers.map((w) => expectOrNull(w, 'storm-done', Math.max(1000, dropAt + opts.stormTimeoutS * 1000 - Date.now()))));
    const clientsBack = stormReplies.every((r) => r !== null);
    // the broker's own view: sc_edges_connected back to N, and (after the wills) sc_edges_online back to N
    const expectedConnected = connectedAll ? N : dropped;
    const lastClientAt = clientsBack ? Math.max(...stormReplies.map((r) => r!.lastConnectAt)) : null;
    // after the last CONNACK, give the gauges one telemetry interval (plus margin) to settle
    const waitUntil = lastClientAt !== null ? lastClientAt + (INTERVAL_S + 5) * 1000 : Date.now();
    let gaugeBackAt: number | null = null;
    let onlineBackAt: number | null = null;
    let dipAt: number | null = null;
    let minConnected = Infinity;
    let minOnline = Infinity;
    for (;;) {
      const ms = poller.metrics.filter((m) => m.at >= stormT0);
      minConnected = Math.min(Infinity, ...ms.map((m) => m.connected));
      minOnline = Math.min(Infinity, ...ms.map((m) => m.online));
      dipAt = ms.find((m) => m.online < expectedConnected)?.at ?? null;
      gaugeBackAt = lastClientAt !== null ? (ms.find((m) => m.at >= lastClientAt && m.connected >= expectedConnected)?.at ?? null) : null;
      onlineBackAt = dipAt !== null ? (ms.find((m) => m.at > dipAt! && m.online >= expectedConnected)?.at ?? null) : null;
      if ((gaugeBackAt !== null && onlineBackAt !== null) || Date.now() > waitUntil) break;
      await sleep(250);
    }
    const sawOnlineDip = dipAt !== null;
    const stormT1 = Date.now();
    const stormHealth = poller.healthBetween(stormT0, stormT1);
    const stormCloud = sampler.window('cloud', stormT0, stormT1);
    const stormLat = stormReplies.flatMap((r) => r?.latencies ?? []);
    const stormAttempts = stormReplies.reduce((a, r) => a + (r?.attempts ?? 0), 0);
    if (lastClientAt !== null && gaugeBackAt !== null) {
      result.reconnect_s = round((lastClientAt - dropAt) / 1000, 2);
      log(`[storm] dropped ${dropped} connections at once (socket destroyed, no DISCONNECT: the broker publishes every last will)`);
      log(`        all ${dropped} reconnected in ${((lastClientAt - dropAt) / 1000).toFixed(2)} s (last CONNACK; ${stormAttempts} attempts with the edge's backoff ${EDGE_BACKOFF.initialMs} ms ±${EDGE_BACKOFF.jitter * 100} %); per edge p50 ${fmt(percentile(stormLat, 50), 0)} ms, p99 ${fmt(percentile(stormLat, 99), 0)} ms`);
      log(`        broker gauge sc_edges_connected: min ${minConnected}, back to ${expectedConnected} by ${((gaugeBackAt - dropAt) / 1000).toFixed(2)} s (250 ms polling)`);
    } else {
      result.ok = false;
      exitCode = 1;
      const stats = await Promise.all(workers.map(async (w) => (w.child.send({ type: 'stats', reset: false } satisfies ToWorker), expect(w, 'stats', 10_000))));
      const errs: Record<string, number> = {};
      for (const s of stats) for (const [k, v] of Object.entries(s.errors)) errs[k] = (errs[k] ?? 0) + v;
      result.reconnected = stats.reduce((a, s) => a + s.connected, 0);
      log(`[storm] dropped ${dropped} connections at once (socket destroyed, no DISCONNECT: the broker publishes every last will)`);
      log(`        FAILED: ${result.reconnected}/${dropped} back after ${((stormT1 - dropAt) / 1000).toFixed(1)} s (broker gauge min ${minConnected}, now ${poller.metrics.at(-1)?.connected}); client errors ${JSON.stringify(errs)}`);
      notes.push(`the reconnect storm did not complete within ${opts.stormTimeoutS} s`);
    }
    const timeline = [2, 5, 10, 20, 30, 45, 60, 90, 120]
      .filter((t) => dropAt + t * 1000 <= stormT1 + 500)
      .map((t) => {
        const m = poller.metrics.filter((x) => x.at <= dropAt + t * 1000).at(-1);
        return m ? `${t} s ${m.connected}/${m.online}` : null;
      })
      .filter(Boolean);
    log(`        timeline after the drop (sc_edges_connected/sc_edges_online): ${timeline.join(', ')}`);
    // the last will of the dropped connection must reach the cloud before the new connection's "online"
    const stormClientStats = await Promise.all(workers.map(async (w) => (w.child.send({ type: 'stats', reset: false, ids: true } satisfies ToWorker), expect(w, 'stats', 10_000))));
    const connectedNow = new Set(stormClientStats.flatMap((st) => st.connectedIds ?? []));
    let willAfterOnline = 0;
    let connectedButOffline = 0;
    for (const [edgeId, states] of availabilityAfterStorm) {
      const firstOnline = states.indexOf('online');
      if (firstOnline >= 0 && states.indexOf('offline', firstOnline) > firstOnline) willAfterOnline++;
      if (connectedNow.has(edgeId) && states.at(-1) === 'offline') connectedButOffline++;
    }
    result.wills_after_online = willAfterOnline;
    log(`        availability order (sc-cloud subscriber): ${willAfterOnline} edge(s) got an "offline" (a last will) after their new "online"; ${connectedButOffline} edge(s) are connected now but their last retained availability is "offline"`);
    const stormErrs: Record<string, number> = {};
    for (const st of stormClientStats) for (const [k, v] of Object.entries(st.errors)) stormErrs[k] = (stormErrs[k] ?? 0) + v;
    log(`        client-side errors since the start (connect + storm): ${JSON.stringify(stormErrs)}`);
    result.online_s = onlineBackAt ? round((onlineBackAt - dropAt) / 1000, 2) : null;
    log(`        sc_edges_online: min ${Number.isFinite(minOnline) ? minOnline : 'n/a'}, back to ${expectedConnected} ${onlineBackAt ? `by ${((onlineBackAt - dropAt) / 1000).toFixed(2)} s` : sawOnlineDip ? 'NOT within the wait' : '(never dipped in the 250 ms polls)'}`);
    log(`        /healthz during the storm: ${stormHealth.ok}/${stormHealth.n} OK, p50 ${fmt(stormHealth.p50)} ms, p99 ${fmt(stormHealth.p99)} ms, max ${fmt(stormHealth.max)} ms (steady baseline p99 ${fmt(steadyHealth.p99)} ms)${stormHealth.failures.length ? `; failures ${JSON.stringify(stormHealth.failures.slice(0, 5))}` : ''}`);
    log(`        ${cpuLine(dropAt, lastClientAt ?? stormT1)}`);
    contention('reconnect storm', dropAt, lastClientAt ?? stormT1);
    log(`        cloud RSS max ${fmt(stormCloud.rssMax)} MB; messages in during the storm ${((poller.metrics.at(-1)?.messagesIn ?? NaN) - stormMetricsBefore.messagesIn).toFixed(0)}`);

    // ── after the storm: one telemetry interval, the fleet must be back to its steady state ──
    // Healthy is: every edge connected; every edge heartbeating once per interval again (the telemetry the
    // simulators send, ±15 % of N per interval); and the cloud taking in what the fleet sends in the same window
    // (±15 %). Messages that reconnecting edges send besides telemetry (availability, acks of the retained
    // desired documents), and the last wills the broker still publishes for their dead connections, count on
    // both sides of that last comparison, so they are not mistaken for a fault, while a cloud still draining
    // a backlog, or losing messages, is.
    const fleetSent = async () => {
      const stats = await Promise.all(workers.map(async (w) => (w.child.send({ type: 'stats', reset: false } satisfies ToWorker), expect(w, 'stats', 10_000))));
      return { telemetry: stats.reduce((a, st) => a + st.telemetrySent, 0), all: stats.reduce((a, st) => a + st.telemetrySent + st.otherSent, 0) };
    };
    poller.start(1000);
    const [afterM0, sent0, wills0] = await Promise.all([http.metrics(), fleetSent(), willsSeen]);
    await sleep(INTERVAL_S * 1000);
    const [afterM1, sent1, wills1] = await Promise.all([http.metrics(), fleetSent(), willsSeen]);
    const afterS = (afterM1.at - afterM0.at) / 1000;
    const afterRate = (afterM1.messagesIn - afterM0.messagesIn) / afterS;
    const willRate = (wills1 - wills0) / afterS;
    const sentRate = (sent1.all - sent0.all) / afterS + willRate;
    const heartbeatRate = (sent1.telemetry - sent0.telemetry) / afterS;
    const steadyHeartbeat = expectedConnected / INTERVAL_S;
    const afterHealth = await http.request<{ status: string; edgesOnline: number; edgesConnected: number | null }>('GET', '/healthz', undefined, 5000).catch(() => null);
    const rejected = afterM1.rejected;
    const healthy =
      !cloudExit &&
      afterHealth?.status === 200 &&
      stormHealth.n > 0 &&
      stormHealth.ok === stormHealth.n &&
      afterM1.connected === expectedConnected &&
      Math.abs(heartbeatRate - steadyHeartbeat) <= steadyHeartbeat * 0.15 &&
      Math.abs(afterRate - sentRate) <= sentRate * 0.15 &&
      !(rejected.schema ?? 0);
    log(`[after] ${INTERVAL_S} s after the storm: heartbeats sent ${heartbeatRate.toFixed(1)}/s (steady ${steadyHeartbeat.toFixed(1)}/s); the fleet sent ${sentRate.toFixed(1)} msgs/s in all (of which ${willRate.toFixed(1)}/s last wills of old connections), the cloud took in ${afterRate.toFixed(1)} msgs/s; /healthz ${afterHealth?.status ?? 'no answer'} ${afterHealth ? JSON.stringify(afterHealth.body) : ''}`);
    log(`        sc_mqtt_rejected_total ${JSON.stringify(rejected)} (schema must stay 0); cloud ${cloudExit ?? 'running'} → ${healthy ? 'HEALTHY' : 'NOT HEALTHY'}`);
    result.healthy = healthy;
    result.rejected_schema = rejected.schema ?? 0;
    if (!healthy) {
      exitCode = 1;
      result.ok = false;
      notes.push('the cloud was not healthy after the reconnect storm (see [storm]/[after])');
    }

    const warnings = logSummary(logPath);
    if (warnings.length) {
      log(`[cloud log] ${warnings.length} distinct warn/error messages (SC_LOG_LEVEL=warn):`);
      for (const w of warnings.slice(0, 8)) log(`        ${w.slice(0, 160)}`);
    }
    Object.assign(result, { workers: opts.workers, duration_s: opts.durationS, run_s: round((Date.now() - runStartedAt) / 1000) });
    if (result.ok === undefined) result.ok = true;
  } catch (err) {
    exitCode = 1;
    result.ok = false;
    result.error = (err as Error).message.split('\n')[0];
    console.error(`fleet benchmark failed: ${(err as Error).stack ?? err}`);
    if (cloudExit) console.error(`cloud ${cloudExit}; last log lines:\n${tailOf(logPath, 20)}`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  for (const n of notes) console.log(`note: ${n}`);
  log(`legend: connect_s = first connect attempt → last CONNACK of all N (provisioning excluded); rss_mb = cloud total RSS with all N connected (median of 1 s samples over the steady window), rss_baseline_mb = the same before connecting, rss_per_conn_kb = (rss_mb − baseline) / N; msgs_per_s = Δ sc_mqtt_messages_in_total per s, median of ${INTERVAL_S} s windows; p99_ms / p50_ms = median over those windows of the per-window percentile of (receive time at an sc-cloud MQTT subscriber − payload ts); store_p99_ms = telemetryAt − telemetry.ts as stored by the cloud's in-process ingest (one GET /api/v1/edges after the window); cpu_pct = cloud CPU, median of the windows (100 = one core); reconnect_s = all sockets dropped → last CONNACK; online_s = until sc_edges_online is back to N; wills_after_online = edges whose old last will reached the cloud after their new "online"`);
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(exitCode);
}

if (process.argv.includes('--worker')) {
  void workerMain();
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.log(`RESULT ${JSON.stringify({ edges: null, connect_s: null, rss_mb: null, msgs_per_s: null, p99_ms: null, reconnect_s: null, ok: false, error: String((err as Error)?.message ?? err).split('\n')[0] })}`);
    process.exit(1);
  });
}
