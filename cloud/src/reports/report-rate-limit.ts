import { TokenBucket } from '../broker/rate-limit.js';

export interface ReportRateOptions {
  /** Reports one client address may send at once, and per hour after that. */
  burst: number;
  perHour: number;
  now: () => number;
}

export const DEFAULT_REPORT_RATE: ReportRateOptions = { burst: 6, perHour: 6, now: Date.now };
/** Remembered clients at most; the oldest are forgotten first. */
const MAX_TRACKED = 10_000;

/** Citizens' reports per client address (the socket's, not a forwarded-for header): a token bucket each. */
export class ReportRateLimit {
  private readonly clients = new Map<string, TokenBucket>();
  private readonly options: ReportRateOptions;

  constructor(options: Partial<ReportRateOptions> = {}) {
    this.options = { ...DEFAULT_REPORT_RATE, ...options };
  }

  /** Takes one report from the client's allowance; the wait in seconds when there is none left. */
  take(client: string | null): { allowed: true } | { allowed: false; retryAfterS: number } {
    const key = client ?? 'unknown';
    let bucket = this.clients.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options.perHour / 3600, this.options.burst, this.options.now);
      this.clients.set(key, bucket);
      if (this.clients.size > MAX_TRACKED) this.clients.delete(this.clients.keys().next().value as string);
    }
    return bucket.take() ? { allowed: true } : { allowed: false, retryAfterS: Math.ceil(3600 / this.options.perHour) };
  }
}
