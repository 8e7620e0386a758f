import { timeResponseSchema, type ClockEstimate, type ClockSample } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
import { CLOCK_FILTER_DEFAULTS, filterClock, type TimedSample } from './clock-filter.js';

export interface ClockReading extends ClockEstimate {
  measuredAt: number;
}

/** The box's own clock. Tests give it a deliberate error (SC_EDGE_TEST_CLOCK_SKEW_MS) to prove the correction works. */
export type LocalClock = () => number;

export function systemClock(skewMs = 0): LocalClock {
  return skewMs === 0 ? Date.now : () => Date.now() + skewMs;
}

/** One NTP-style exchange with the cloud's /api/v1/time. */
export async function exchangeTime(cloudUrl: string, timeoutMs = 3000, localNow: LocalClock = Date.now): Promise<ClockSample> {
  const t0 = localNow();
  const res = await fetch(new URL('/api/v1/time', cloudUrl), { signal: AbortSignal.timeout(timeoutMs) });
  const t3 = localNow();
  const parsed = timeResponseSchema.safeParse(await res.json());
  if (!res.ok || !parsed.success) throw new Error(`unexpected answer from ${cloudUrl}/api/v1/time (HTTP ${res.status})`);
  return { t0, t1: parsed.data.receivedAt, t2: parsed.data.sentAt, t3 };
}

/** A few exchanges at once, read by the same filter as the daemon's (for `sc-edge doctor`). */
export async function measureClockOffset(cloudUrl: string, samples = 5, timeoutMs = 3000, localNow: LocalClock = Date.now): Promise<ClockReading> {
  const collected: TimedSample[] = [];
  let lastError: unknown = null;
  for (let i = 0; i < samples; i++) {
    try {
      const sample = await exchangeTime(cloudUrl, timeoutMs, localNow);
      collected.push({ ...sample, takenAt: sample.t3 });
    } catch (err) {
      lastError = err;
    }
  }
  const estimate = filterClock(collected, localNow());
  if (!estimate) throw new Error(`could not reach the cloud clock: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  return { offsetMs: estimate.offsetMs, roundTripMs: estimate.roundTripMs, samples: estimate.samples, measuredAt: localNow() };
}

export interface ClockSyncOptions {
  /** Exchanges in quick succession at start, so playback is corrected within seconds. Default 40. */
  burst: number;
  /** Pause between the start's exchanges. Default 250 ms. */
  burstGapMs: number;
  /**
   * Then one exchange every this often. Default 2 s: the estimate is as good as the least delayed
   * exchange each way among the last minute or two, so it needs many (a few hundred bytes each).
   */
  everyMs: number;
  /** Exchanges older than this are forgotten. Default 10 min. */
  windowMs: number;
  /** Assumed worst drift between the two clocks until it is measured, so an old exchange counts as less exact than a new one. Default 50 ppm. */
  driftPpm: number;
}

/**
 * SC_EDGE_CLOCK_EVERY_S: seconds between the steady exchanges (default 2). Fewer cost less on a
 * metered link (about 1.3 KB each) but leave fewer fast exchanges in the window: the estimate's
 * worst error over a 50–300 ms link roughly doubles at 5 s (clock-filter.test.ts, architecture.md).
 */
export function clockEveryMs(value: string | undefined): number {
  const seconds = Number(value ?? 2);
  if (value === '' || !Number.isFinite(seconds) || seconds < 0.5 || seconds > 900) throw new Error(`SC_EDGE_CLOCK_EVERY_S must be a number of seconds from 0.5 to 900, not "${value}"`);
  return seconds * 1000;
}

const DEFAULTS: ClockSyncOptions = { burst: 40, burstGapMs: 250, everyMs: 2000, windowMs: 10 * 60_000, driftPpm: CLOCK_FILTER_DEFAULTS.driftPpm };
/** Exchanges in a row that no clock could have produced before the window is dropped: a clock was set (stepped). */
const STEP_AFTER = 3;

/**
 * The single exchange to trust, for callers that need one (ClockSync itself reads the whole window
 * with filterClock, clock-filter.ts): the smallest error bound, half its round trip plus what the clocks may have
 * drifted since it was taken (chrony's dispersion, simplified). A quiet moment's exchange wins over
 * the many taken while the box or the network was busy, until it is too old.
 */
export function bestSample(samples: readonly (ClockSample & { takenAt: number })[], now: number, driftPpm: number): ClockSample | undefined {
  let best: ClockSample | undefined;
  let bestBound = Infinity;
  for (const s of samples) {
    const rtt = s.t3 - s.t0 - (s.t2 - s.t1);
    if (rtt < 0) continue;
    const bound = rtt / 2 + (now - s.takenAt) * driftPpm * 1e-6;
    if (bound < bestBound) {
      best = s;
      bestBound = bound;
    }
  }
  return best;
}

/**
 * The box's estimate of its clock offset to the cloud, kept fresh by a steady trickle of exchanges,
 * and the corrected clock that playback timing and reports use: everything scheduled is in cloud time.
 */
export class ClockSync {
  private reading: ClockReading | null = null;
  private timer: NodeJS.Timeout | null = null;
  private samples: TimedSample[] = [];
  /** Exchanges left out as impossible, in a row (see sample()). */
  private suspects: TimedSample[] = [];
  private readonly options: ClockSyncOptions;
  private failures = 0;
  private savedAt = -Infinity;

  constructor(
    private readonly cloudUrl: string,
    private readonly state: StateStore,
    private readonly logger: Logger,
    readonly localNow: LocalClock = Date.now,
    options: Partial<ClockSyncOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.reading = state.get<ClockReading>('clock')?.value ?? null;
  }

  current(): ClockReading | null {
    return this.reading;
  }

  /** Cloud time now, as well as this box knows it (its own clock until a measurement succeeds). */
  cloudNow(): number {
    return this.localNow() + (this.reading?.offsetMs ?? 0);
  }

  /** The local-clock moment that corresponds to a cloud-clock moment. */
  toLocal(cloudTime: number): number {
    return cloudTime - (this.reading?.offsetMs ?? 0);
  }

  /**
   * One exchange, added to the window; the reading follows the window's filter (clock-filter.ts).
   * An exchange that no clock could have produced given the window (faster than the floor the
   * window already proves, in either direction) is left out: one such is a glitch, several in a row
   * mean a clock was set, and the window starts again from them.
   */
  async sample(): Promise<ClockReading | null> {
    try {
      const exchange = await exchangeTime(this.cloudUrl, 3000, this.localNow);
      const now = this.localNow();
      const sample = { ...exchange, takenAt: now };
      const window = this.samples.filter((s) => s.takenAt > now - this.options.windowMs && s.takenAt <= now);
      const filter = { ...CLOCK_FILTER_DEFAULTS, driftPpm: this.options.driftPpm };
      const before = filterClock(window, now, filter);
      const impossible = before !== null && (exchange.t1 - exchange.t0 < before.offsetMs - before.roundTripMs / 2 || exchange.t2 - exchange.t3 > before.offsetMs + before.roundTripMs / 2);
      if (impossible) {
        this.suspects.push(sample);
        if (this.suspects.length < STEP_AFTER) {
          this.samples = window;
          return this.reading;
        }
        this.logger.warn({ offsetMs: before.offsetMs, exchanges: this.suspects.length }, 'clock exchanges disagree with the window: a clock was set, starting again');
        this.samples = this.suspects;
      } else {
        this.samples = [...window, sample];
      }
      this.suspects = [];
      const estimate = filterClock(this.samples, now, filter);
      if (estimate) this.update({ offsetMs: estimate.offsetMs, roundTripMs: estimate.roundTripMs, samples: estimate.samples, measuredAt: now });
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.logger.warn({ err: (err as Error).message }, 'clock offset not measured');
    }
    return this.reading;
  }

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.options.everyMs);
    this.timer.unref();
    void (async () => {
      for (let i = 0; i < this.options.burst && this.timer !== null; i++) {
        await this.sample();
        await new Promise((r) => setTimeout(r, this.options.burstGapMs).unref());
      }
    })();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private update(reading: ClockReading): void {
    const moved = this.reading ? Math.abs(reading.offsetMs - this.reading.offsetMs) : Infinity;
    this.reading = reading;
    // kept for a restart, but not on every exchange: the state file is SQLite on the box's flash
    if (moved > 1 || reading.measuredAt - this.savedAt > 60_000) {
      this.state.set('clock', reading);
      this.savedAt = reading.measuredAt;
    }
    if (moved > 1) this.logger.debug({ offsetMs: reading.offsetMs, roundTripMs: reading.roundTripMs, samples: reading.samples }, 'clock offset measured');
  }
}
