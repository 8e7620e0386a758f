import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

const middle = () => 0.5; // no jitter effect: exactly the base delay

describe('Backoff', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.2 }, middle);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts again from the initial delay after reset()', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000, jitter: 0 }, middle);
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(400);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('spreads the delay by the jitter fraction on both sides', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.25 }, () => 0);
    const high = new Backoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.25 }, () => 0.999_999);
    expect(low.next()).toBe(750);
    expect(high.next()).toBe(1250);
    expect(low.next()).toBe(1500);
  });

  it('stays within the jitter band with the real random source', () => {
    const backoff = new Backoff({ initialMs: 200, maxMs: 200, jitter: 0.5 });
    for (let i = 0; i < 200; i++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(300);
    }
  });

  it('keeps giving the maximum after very many attempts (no overflow)', () => {
    const backoff = new Backoff({ initialMs: 1, maxMs: 30_000, jitter: 0 }, middle);
    let last = 0;
    for (let i = 0; i < 1000; i++) last = backoff.next();
    expect(last).toBe(30_000);
  });
});
