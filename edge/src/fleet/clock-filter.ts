import type { ClockSample } from '@smart-commune/shared';

/** An exchange and the local-clock moment it completed (t3). */
export type TimedSample = ClockSample & { takenAt: number };

export interface ClockFilterOptions {
  /**
   * Assumed worst drift between the two clocks, in ppm: an exchange `age` ms old bounds the offset
   * now only to within `age × driftPpm` more. 50 ppm is a cheap crystal's tolerance; measuring the
   * skew instead was tried, but over a 50–300 ms link ten minutes of exchanges give it only to
   * ±15 ppm, which did not beat this bound in simulation.
   */
  driftPpm: number;
}

export const CLOCK_FILTER_DEFAULTS: ClockFilterOptions = { driftPpm: 50 };

export interface ClockFilterResult {
  /** Add to the local clock to get the cloud's clock at `now`. */
  offsetMs: number;
  /**
   * The two least delayed one-way trips of the window added up: the round trip the estimate is as
   * good as (it is often much less than any single exchange's round trip).
   */
  roundTripMs: number;
  samples: number;
}

/**
 * The box's offset to the cloud from a window of exchanges, the way NTP and PTP clients read a
 * delayed link. Each exchange gives two one-sided readings: t1 − t0 is the offset plus the way
 * there, t2 − t3 the offset minus the way back. On a rural link the two ways are delayed
 * independently, so one exchange is almost never symmetric (its error is half the difference of
 * its two delays, up to ±125 ms on a 50–300 ms link) and even the exchange with the least round
 * trip of a dozen is off by tens of ms. Each way's least delay over many exchanges is close to
 * that way's floor, though: the lowest t1 − t0 of the window and the highest t2 − t3, each taken
 * on its own, bracket the offset by the two floors, and their middle is off only by half the
 * floors' difference (what NTP assumes is zero) plus how far each minimum is above its floor,
 * which shrinks with every exchange. Older exchanges count as less exact by what the clocks may have
 * drifted since (chrony's dispersion), so a drifting clock does not pin the estimate to the past:
 * at 50 ppm the last two minutes or so of exchanges decide. A single noisy exchange cannot move the
 * result: a delayed one is above the minimum and ignored; only an exchange faster than every other
 * one in a direction moves it, and then by what it proves.
 */
export function filterClock(samples: readonly TimedSample[], now: number, options: ClockFilterOptions = CLOCK_FILTER_DEFAULTS): ClockFilterResult | null {
  const usable = samples.filter((s) => s.t3 - s.t0 - (s.t2 - s.t1) >= 0);
  if (usable.length === 0) return null;
  let upper = Infinity; // the offset is below t1 − t0 less the way there's floor…
  let lower = -Infinity; // …and above t2 − t3 plus the way back's floor
  for (const s of usable) {
    const age = Math.max(0, now - s.takenAt);
    const doubt = options.driftPpm * 1e-6 * age;
    upper = Math.min(upper, s.t1 - s.t0 + doubt);
    lower = Math.max(lower, s.t2 - s.t3 - doubt);
  }
  return { offsetMs: (upper + lower) / 2, roundTripMs: Math.max(0, upper - lower), samples: usable.length };
}
