/** The few control-plane calls the simulator makes, as a technician would through the API. */
export class CloudClient {
  private token: string | null = null;

  constructor(readonly baseUrl: string) {}

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(new URL('/healthz', this.baseUrl));
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the cloud at ${this.baseUrl} did not become healthy within ${timeoutMs / 1000} s`);
  }

  async login(username: string, password: string): Promise<void> {
    const body = await this.request<{ token: string }>('POST', '/api/v1/auth/token', { username, password }, false);
    this.token = body.token;
  }

  async request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(new URL(path, this.baseUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json().catch(() => null)) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`${method} ${path} failed (HTTP ${res.status}): ${json?.error?.message ?? 'no detail'}`);
    return json;
  }
}

export interface EdgeSummary {
  id: string;
  name: string;
  hamletCode: string;
  hamletName: string;
  /** The commune of its hamlet. */
  communeCode: string;
  status: string;
  online: boolean;
  lastSeenAt: number | null;
}
