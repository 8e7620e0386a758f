import { request } from 'node:http';
import { readProc } from '../fleet/proc-sampler.js';

/** What the abuse benchmark watches while it attacks: the cloud's RSS and whether /healthz answers. */

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request from a chosen loopback address (throttles key on the client's address). */
export function httpFrom(opts: { base: string; method: string; path: string; localAddress?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number }): Promise<HttpReply> {
  const url = new URL(opts.path, opts.base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: opts.method, headers: opts.headers, localAddress: opts.localAddress, timeout: opts.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          // a hostile answer cannot fill the benchmark's memory either
          if ((size += d.length) <= 1024 * 1024) chunks.push(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method} ${opts.path} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const jsonPost = (base: string, path: string, body: unknown, extra: { localAddress?: string; token?: string } = {}) =>
  httpFrom({
    base,
    method: 'POST',
    path,
    localAddress: extra.localAddress,
    headers: { 'content-type': 'application/json', ...(extra.token ? { authorization: `Bearer ${extra.token}` } : {}) },
    body: JSON.stringify(body),
  });

/** Samples the cloud's RSS and polls /healthz every `everyMs` until stopped. */
export class CloudWatch {
  private timer: NodeJS.Timeout | null = null;
  readonly rssMb: { t: number; mb: number }[] = [];
  health = { polls: 0, failures: 0, slowestMs: 0, firstFailure: null as string | null };
  private inFlight = false;

  constructor(
    private readonly pid: number,
    private readonly base: string,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The RSS samples taken in [t0, t1], with the one just after so a short span has one. */
  rssBetween(t0: number, t1: number): number[] {
    const inside = this.rssMb.filter((s) => s.t >= t0 && s.t <= t1).map((s) => s.mb);
    const after = this.rssMb.find((s) => s.t > t1);
    return after ? [...inside, after.mb] : inside;
  }

  private tick(): void {
    const p = readProc(this.pid);
    if (p) this.rssMb.push({ t: p.t, mb: p.rssMb });
    if (this.inFlight) return;
    this.inFlight = true;
    const started = performance.now();
    httpFrom({ base: this.base, method: 'GET', path: '/healthz', timeoutMs: 2000 })
      .then((r) => {
        if (r.status !== 200) this.fail(`healthz answered ${r.status}`);
      })
      .catch((err: Error) => this.fail(err.message))
      .finally(() => {
        this.health.polls++;
        this.health.slowestMs = Math.max(this.health.slowestMs, performance.now() - started);
        this.inFlight = false;
      });
  }

  private fail(why: string): void {
    this.health.failures++;
    this.health.firstFailure ??= why;
  }
}
