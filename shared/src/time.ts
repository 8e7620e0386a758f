import { z } from 'zod';

/** The commune's time zone; schedules are stored with this zone id. */
export const COMMUNE_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** Milliseconds since the Unix epoch, the only timestamp form on the wire. */
export const epochMs = z.number().int().nonnegative();

/** One NTP-style exchange: t0 client send, t1 server receive, t2 server send, t3 client receive (client clock for t0/t3). */
export interface ClockSample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

export interface ClockEstimate {
  /** Add to the local clock to get the reference clock, in ms. */
  offsetMs: number;
  roundTripMs: number;
  samples: number;
}

/**
 * Offset from the exchange with the lowest round trip: its path is the most likely symmetric,
 * which is what the NTP formula assumes.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockEstimate | null {
  let best: ClockSample | undefined;
  let bestRtt = Infinity;
  for (const s of samples) {
    const rtt = s.t3 - s.t0 - (s.t2 - s.t1);
    if (rtt >= 0 && rtt < bestRtt) {
      best = s;
      bestRtt = rtt;
    }
  }
  if (!best) return null;
  const offsetMs = (best.t1 - best.t0 + (best.t2 - best.t3)) / 2;
  return { offsetMs, roundTripMs: bestRtt, samples: samples.length };
}
