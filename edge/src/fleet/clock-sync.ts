import { estimateClockOffset, timeResponseSchema, type ClockEstimate, type ClockSample } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';

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

/** A few exchanges at once, keeping the one with the lowest round trip (for `sc-edge doctor`). */
export async function measureClockOffset(cloudUrl: string, samples = 5, timeoutMs = 3000, localNow: LocalClock = Date.now): Promise<ClockReading> {
  const collected: ClockSample[] = [];
  let lastError: unknown = null;
  for (let i = 0; i < samples; i++) {
    try {
      collected.push(await exchangeTime(cloudUrl, timeoutMs, localNow));
    } catch (err) {
      lastError = err;
    }
  }
  const estimate = estimateClockOffset(collected);
  if (!estimate) throw new Error(`could not reach the cloud clock: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  return { ...estimate, measuredAt: localNow() };
}

export interface ClockSyncOptions {
  /** Exchanges a second apart at start, so playback is corrected within seconds. Default 8. */
  burst: number;
  /** Then one exchange every this often. Default 15 s. */
  everyMs: number;
  /** Exchanges older than this are forgotten. Default 10 min. */
  windowMs: number;
  /** Assumed worst drift between the two clocks, so an old exchange counts as less exact than a new one. Default 50 ppm. */
  driftPpm: number;
}

const DEFAULTS: ClockSyncOptions = { burst: 8, everyMs: 15_000, windowMs: 10 * 60_000, driftPpm: 50 };

/**
 * The sample to trust: the smallest error bound, half its round trip plus what the clocks may have
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
  private samples: (ClockSample & { takenAt: number })[] = [];
  private readonly options: ClockSyncOptions;
  private failures = 0;

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

  /** One exchange, added to the window; the reading follows the best sample in it. */
  async sample(): Promise<ClockReading | null> {
    try {
      const sample = await exchangeTime(this.cloudUrl, 3000, this.localNow);
      const now = this.localNow();
      this.samples = [...this.samples.filter((s) => s.takenAt > now - this.options.windowMs), { ...sample, takenAt: now }];
      const best = bestSample(this.samples, now, this.options.driftPpm);
      const estimate = best && estimateClockOffset([best]);
      if (estimate) this.update({ ...estimate, samples: this.samples.length, measuredAt: now });
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
        await new Promise((r) => setTimeout(r, 1000).unref());
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
    this.state.set('clock', reading);
    if (moved > 1) this.logger.debug({ offsetMs: reading.offsetMs, roundTripMs: reading.roundTripMs }, 'clock offset measured');
  }
}
