/**
 * The benchmark's HTTP side: every request through HAProxy (or one cloud directly) is counted, its
 * status and time kept, so the run can report the error rate and the longest time without any
 * successful answer across a process's death.
 */
export interface HttpRecord {
  at: number;
  ms: number;
  status: number; // 0: no answer (connection refused or reset)
  what: string;
  /** Why there was no answer. */
  error?: string;
}

export class CountingHttp {
  readonly records: HttpRecord[] = [];
  token = '';

  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, options: { base?: string; what?: string; headers?: Record<string, string>; raw?: FormData | Buffer; timeoutMs?: number } = {}): Promise<{ status: number; body: T; bytes?: Buffer }> {
    const started = Date.now();
    const headers: Record<string, string> = { ...options.headers };
    if (this.token && !headers.authorization) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status = 0;
    let error: string | undefined;
    try {
      const res = await fetch(`${options.base ?? this.baseUrl}${path}`, {
        method,
        headers,
        body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      status = res.status;
      const bytes = Buffer.from(await res.arrayBuffer());
      const type = res.headers.get('content-type') ?? '';
      const parsed = type.includes('json') ? (JSON.parse(bytes.toString()) as T) : (undefined as T);
      return { status, body: parsed, bytes };
    } catch (err) {
      error = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
      return { status: 0, body: { error } as T };
    } finally {
      this.records.push({ at: Date.now(), ms: Date.now() - started, status, error, what: options.what ?? `${method} ${path.split('?')[0]!.replace(/\/(edg|alr|sch|bul)_[^/]+/, '/:id')}` });
    }
  }
}

/** A failed request: no answer or a server error (a 4xx is the request's fault and a real answer). */
export const failed = (r: HttpRecord) => r.status === 0 || r.status >= 500;

/** The longest time between two successful answers (or from `from` to the first, and the last to `to`). */
export function longestGap(records: HttpRecord[], from: number, to: number): { ms: number; at: number } {
  const ok = records.filter((r) => !failed(r) && r.at >= from && r.at <= to).map((r) => r.at).sort((a, b) => a - b);
  let best = { ms: 0, at: from };
  let previous = from;
  for (const at of [...ok, to]) {
    if (at - previous > best.ms) best = { ms: at - previous, at: previous };
    previous = at;
  }
  return best;
}
