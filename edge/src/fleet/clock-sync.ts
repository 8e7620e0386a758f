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

/** NTP-style exchanges with the cloud's /api/v1/time, keeping the one with the lowest round trip. */
export async function measureClockOffset(cloudUrl: string, samples = 5, timeoutMs = 3000, localNow: LocalClock = Date.now): Promise<ClockReading> {
  const collected: ClockSample[] = [];
  let lastError: unknown = null;
  for (let i = 0; i < samples; i++) {
    const t0 = localNow();
    try {
      const res = await fetch(new URL('/api/v1/time', cloudUrl), { signal: AbortSignal.timeout(timeoutMs) });
      const t3 = localNow();
      const parsed = timeResponseSchema.safeParse(await res.json());
      if (!res.ok || !parsed.success) throw new Error(`unexpected answer from ${cloudUrl}/api/v1/time (HTTP ${res.status})`);
      collected.push({ t0, t1: parsed.data.receivedAt, t2: parsed.data.sentAt, t3 });
    } catch (err) {
      lastError = err;
    }
  }
  const estimate = estimateClockOffset(collected);
  if (!estimate) throw new Error(`could not reach the cloud clock: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  return { ...estimate, measuredAt: localNow() };
}

/**
 * The box's estimate of its clock offset to the cloud, kept fresh, and the corrected clock that
 * playback timing and reports use: everything scheduled is in cloud time.
 */
export class ClockSync {
  private reading: ClockReading | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cloudUrl: string,
    private readonly state: StateStore,
    private readonly logger: Logger,
    readonly localNow: LocalClock = Date.now,
    private readonly everyMs = 10 * 60_000,
    private readonly samples = 8,
  ) {
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

  async measure(): Promise<ClockReading | null> {
    try {
      this.reading = await measureClockOffset(this.cloudUrl, this.samples, 3000, this.localNow);
      this.state.set('clock', this.reading);
      this.logger.debug({ offsetMs: this.reading.offsetMs, roundTripMs: this.reading.roundTripMs }, 'clock offset measured');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'clock offset not measured');
    }
    return this.reading;
  }

  start(): void {
    void this.measure();
    this.timer = setInterval(() => void this.measure(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
