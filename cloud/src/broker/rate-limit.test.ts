import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const takeAll = (bucket: TokenBucket, tries: number) => Array.from({ length: tries }, () => bucket.take()).filter(Boolean).length;

describe('TokenBucket', () => {
  it('allows a full burst at once, then refuses', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(5, 10, clock.now);
    expect(takeAll(bucket, 10)).toBe(10);
    expect(bucket.take()).toBe(false);
    expect(bucket.take()).toBe(false);
  });

  it('refills at the sustained rate as time passes', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(5, 10, clock.now);
    takeAll(bucket, 10);
    clock.advance(1000); // 5 per second
    expect(takeAll(bucket, 20)).toBe(5);
    clock.advance(200); // one more token
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('counts partial tokens until they add up to a whole one', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, 1, clock.now);
    expect(bucket.take()).toBe(true);
    clock.advance(600);
    expect(bucket.take()).toBe(false);
    clock.advance(400);
    expect(bucket.take()).toBe(true);
  });

  it('never stores more than the burst however long it idles', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(20, 40, clock.now);
    takeAll(bucket, 40);
    clock.advance(24 * 3600 * 1000);
    expect(takeAll(bucket, 1000)).toBe(40);
  });

  it('sustains exactly the rate over a long steady stream', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 10, clock.now);
    takeAll(bucket, 10);
    let accepted = 0;
    for (let ms = 0; ms < 60_000; ms += 10) {
      clock.advance(10);
      if (bucket.take()) accepted++;
    }
    // 10/s for 60 s; sub-token refills are floating point sums, so the last one may not quite complete
    expect(accepted).toBeGreaterThanOrEqual(599);
    expect(accepted).toBeLessThanOrEqual(600);
  });
});
