import { describe, expect, it } from 'vitest';
import { ReportRateLimit } from './report-rate-limit.js';

const MINUTE = 60_000;

function limiter() {
  let now = 1_000_000;
  const limit = new ReportRateLimit({ now: () => now });
  return { limit, advance: (ms: number) => (now += ms) };
}

/** Files a report that is accepted. */
const accept = (limit: ReportRateLimit, client: string) => {
  const slot = limit.reserve(client);
  if (!slot.allowed) throw new Error(`refused, retry after ${slot.retryAfterS} s`);
};

describe('the citizens’ report limit', () => {
  it('does not count refused submissions against the reports: six of them, then twenty accepted', () => {
    const { limit } = limiter();
    for (let i = 0; i < 6; i++) {
      const slot = limit.reserve('10.0.0.1');
      expect(slot.allowed).toBe(true);
      if (slot.allowed) slot.refused();
    }
    for (let i = 0; i < 20; i++) accept(limit, '10.0.0.1');
    expect(limit.reserve('10.0.0.1')).toEqual({ allowed: false, retryAfterS: 600 });
    expect(limit.reserve('10.0.0.2').allowed).toBe(true);
  });

  it('slides: the wait is until the oldest report leaves the 10 minutes, and then one more is taken', () => {
    const { limit, advance } = limiter();
    accept(limit, 'a');
    advance(4 * MINUTE);
    for (let i = 0; i < 19; i++) accept(limit, 'a');
    advance(MINUTE);
    expect(limit.reserve('a')).toEqual({ allowed: false, retryAfterS: 300 });
    advance(5 * MINUTE);
    accept(limit, 'a');
    expect(limit.reserve('a')).toEqual({ allowed: false, retryAfterS: 240 });
  });

  it('holds the place of a report being checked, so concurrent ones cannot overshoot, and gives it back when refused', () => {
    const { limit } = limiter();
    const pending = Array.from({ length: 20 }, () => limit.reserve('a'));
    expect(pending.every((slot) => slot.allowed)).toBe(true);
    expect(limit.reserve('a').allowed).toBe(false);
    const first = pending[0]!;
    if (first.allowed) first.refused();
    expect(limit.reserve('a').allowed).toBe(true);
  });

  it('bounds refused submissions too (each may cost a photo decode): 60 in 10 minutes', () => {
    const { limit, advance } = limiter();
    for (let i = 0; i < 60; i++) {
      const slot = limit.reserve('a');
      if (slot.allowed) slot.refused();
      advance(1000);
    }
    expect(limit.reserve('a')).toEqual({ allowed: false, retryAfterS: 540 });
  });
});
