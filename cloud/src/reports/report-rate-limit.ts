export interface ReportRateOptions {
  /** Accepted reports one client address may file within `windowMs`. */
  limit: number;
  /** Refused submissions (bad fields, a file that is not a picture) an address may make within `windowMs`. */
  refusedLimit: number;
  windowMs: number;
  now: () => number;
}

/**
 * 20 accepted reports per 10 minutes per address. A whole hamlet may reach the cloud through one
 * mobile carrier's NAT address, and one event (a fire, a flood, a crash at the market) brings several
 * neighbours' reports within minutes: 20 leaves room for that, while one careless or hostile sender
 * is held to two reports a minute, which the police queue absorbs. Refused submissions have an
 * allowance of their own, larger (people get a form wrong) but finite: each one may still cost the
 * decoding of a photo.
 */
export const DEFAULT_REPORT_RATE: ReportRateOptions = { limit: 20, refusedLimit: 60, windowMs: 10 * 60_000, now: Date.now };
/** Remembered clients at most; the oldest are forgotten first. */
const MAX_TRACKED = 10_000;

/** A place in the client's allowance, held while the report is checked; `refused` moves it to the refused ones. */
export type ReportSlot = { allowed: true; refused(): void } | { allowed: false; retryAfterS: number };

/** Per client, the times of the accepted (or being checked) and of the refused submissions in the window, oldest first. */
interface ClientWindow {
  accepted: number[];
  refused: number[];
}

/**
 * Citizens' reports per client address (requestIp(): the socket's, or a trusted proxy's client), counted over a
 * sliding window. A submission takes its place before it is checked (so concurrent ones cannot
 * overshoot); a refused one gives it back and counts among the refused instead, so a citizen who
 * got the form wrong a few times can still send the right one.
 */
export class ReportRateLimit {
  private readonly clients = new Map<string, ClientWindow>();
  private readonly options: ReportRateOptions;

  constructor(options: Partial<ReportRateOptions> = {}) {
    this.options = { ...DEFAULT_REPORT_RATE, ...options };
  }

  reserve(client: string | null): ReportSlot {
    const key = client ?? 'unknown';
    const now = this.options.now();
    // the arrays are changed in place, so that `refused` finds the time this slot took
    const window = this.clients.get(key) ?? { accepted: [], refused: [] };
    const start = now - this.options.windowMs;
    for (const times of [window.accepted, window.refused]) while (times.length > 0 && times[0]! <= start) times.shift();
    const full = window.accepted.length >= this.options.limit ? window.accepted : window.refused.length >= this.options.refusedLimit ? window.refused : null;
    if (full) return { allowed: false, retryAfterS: Math.max(1, Math.ceil((full[0]! - start) / 1000)) };
    window.accepted.push(now);
    this.clients.delete(key); // re-inserted last: the map's order is the order of last use
    this.clients.set(key, window);
    if (this.clients.size > MAX_TRACKED) this.clients.delete(this.clients.keys().next().value as string);
    return {
      allowed: true,
      refused: () => {
        const index = window.accepted.indexOf(now);
        if (index >= 0) window.accepted.splice(index, 1);
        window.refused.push(this.options.now());
      },
    };
  }
}
