import { describe, expect, it } from 'vitest';
import { epochMs, estimateClockOffset } from './time.js';

describe('estimateClockOffset', () => {
  it('finds the offset of a clock behind the reference over a symmetric path', () => {
    // the reference is 1000 ms ahead; 20 ms each way; the server holds the request 5 ms
    const estimate = estimateClockOffset([{ t0: 0, t1: 1020, t2: 1025, t3: 45 }]);
    expect(estimate).toEqual({ offsetMs: 1000, roundTripMs: 40, samples: 1 });
  });

  it('gives a negative offset when the local clock is ahead', () => {
    const estimate = estimateClockOffset([{ t0: 10_000, t1: 7_510, t2: 7_510, t3: 10_020 }]);
    expect(estimate?.offsetMs).toBe(-2_500);
    expect(estimate?.roundTripMs).toBe(20);
  });

  it('trusts the exchange with the lowest round trip', () => {
    const estimate = estimateClockOffset([
      { t0: 0, t1: 600, t2: 600, t3: 400 }, // slow and asymmetric: 400 ms round trip
      { t0: 1000, t1: 1510, t2: 1511, t3: 1021 }, // 20 ms round trip, offset 500
      { t0: 2000, t1: 2700, t2: 2700, t3: 2300 },
    ]);
    expect(estimate).toEqual({ offsetMs: 500, roundTripMs: 20, samples: 3 });
  });

  it('ignores impossible exchanges with a negative round trip', () => {
    const estimate = estimateClockOffset([
      { t0: 100, t1: 500, t2: 900, t3: 110 }, // the server held it longer than the whole trip
      { t0: 0, t1: 50, t2: 50, t3: 10 },
    ]);
    expect(estimate?.roundTripMs).toBe(10);
    expect(estimate?.offsetMs).toBe(45);
  });

  it('returns null without a usable sample', () => {
    expect(estimateClockOffset([])).toBeNull();
    expect(estimateClockOffset([{ t0: 100, t1: 500, t2: 900, t3: 110 }])).toBeNull();
  });
});

describe('epochMs', () => {
  it('accepts non-negative integer milliseconds only', () => {
    expect(epochMs.safeParse(Date.now()).success).toBe(true);
    expect(epochMs.safeParse(-1).success).toBe(false);
    expect(epochMs.safeParse(1.5).success).toBe(false);
    expect(epochMs.safeParse('1700000000000').success).toBe(false);
  });
});
