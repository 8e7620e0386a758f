import { estimateClockOffset, timeResponseSchema, type ClockEstimate, type ClockSample } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';

export interface ClockReading extends ClockEstimate {
  measuredAt: number;
}

/** NTP-style exchanges with the cloud's /api/v1/time, keeping the one with the lowest round trip. */
export async function measureClockOffset(cloudUrl: string, samples = 5, timeoutMs = 3000): Promise<ClockReading> {
  const collected: ClockSample[] = [];
  let lastError: unknown = null;
  for (let i = 0; i < samples; i++) {
    const t0 = Date.now();
    try {
      const res = await fetch(new URL('/api/v1/time', cloudUrl), { signal: AbortSignal.timeout(timeoutMs) });
      const t3 = Date.now();
      const parsed = timeResponseSchema.safeParse(await res.json());
      if (!res.ok || !parsed.success) throw new Error(`unexpected answer from ${cloudUrl}/api/v1/time (HTTP ${res.status})`);
      collected.push({ t0, t1: parsed.data.receivedAt, t2: parsed.data.sentAt, t3 });
    } catch (err) {
      lastError = err;
    }
  }
  const estimate = estimateClockOffset(collected);
  if (!estimate) throw new Error(`could not reach the cloud clock: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  return { ...estimate, measuredAt: Date.now() };
}

/** Keeps the box's estimate of its clock offset to the cloud fresh, for telemetry and (later) playback timing. */
export class ClockSync {
  private reading: ClockReading | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cloudUrl: string,
    private readonly state: StateStore,
    private readonly logger: Logger,
    private readonly everyMs = 10 * 60_000,
  ) {
    this.reading = state.get<ClockReading>('clock')?.value ?? null;
  }

  current(): ClockReading | null {
    return this.reading;
  }

  async measure(): Promise<ClockReading | null> {
    try {
      this.reading = await measureClockOffset(this.cloudUrl);
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
