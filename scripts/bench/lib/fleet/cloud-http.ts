import { percentile } from './common.js';

/** The cloud's HTTP side as the benchmark sees it: requests, /metrics parsed, /healthz and /metrics polled. */

export interface Metrics {
  at: number;
  connected: number;
  online: number;
  messagesIn: number;
  messagesOut: number;
  /** The cloud's event-loop delay since the previous scrape (prom-client resets it on every scrape). */
  loopMaxMs: number;
  rejected: Record<string, number>;
}

export function parseMetrics(text: string, at: number): Metrics {
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

export class Http {
  token = '';
  /**
   * true with an external broker: the embedded broker's sc_edges_connected does not exist, so
   * `connected` reads the boxes the cloud holds online (their retained availability, wills included).
   */
  connectedIsOnline = false;
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
    const m = parseMetrics(res.body, Date.now());
    if (this.connectedIsOnline) m.connected = m.online;
    return m;
  }
}

export interface HealthProbe {
  t: number;
  ok: boolean;
  ms: number;
  detail: string;
}

/** Polls /healthz (and optionally /metrics) at a fixed period; keeps every answer. */
export class Poller {
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
