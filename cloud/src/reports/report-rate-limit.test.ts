import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { racingConnection } from '../../../test-support/second-connection.js';
import { ReportRateLimit } from './report-rate-limit.js';

const MINUTE = 60_000;

function limiter(db: TestDatabase) {
  let now = 1_000_000;
  const clock = { now: () => now };
  const limit = new ReportRateLimit(db, clock);
  return { limit, clock, advance: (ms: number) => (now += ms) };
}

/** Files a report that is accepted. */
const accept = async (limit: ReportRateLimit, client: string) => {
  const slot = await limit.reserve(client);
  if (!slot.allowed) throw new Error(`refused, retry after ${slot.retryAfterS} s`);
};

forEachDatabase('the citizens’ report limit', (get) => {
  it('does not count refused submissions against the reports: six of them, then twenty accepted', async () => {
    const { limit } = limiter(get());
    for (let i = 0; i < 6; i++) {
      const slot = await limit.reserve('10.0.0.1');
      expect(slot.allowed).toBe(true);
      if (slot.allowed) await slot.refused();
    }
    for (let i = 0; i < 20; i++) await accept(limit, '10.0.0.1');
    expect(await limit.reserve('10.0.0.1')).toEqual({ allowed: false, retryAfterS: 600 });
    expect((await limit.reserve('10.0.0.2')).allowed).toBe(true);
  });

  it('slides: the wait is until the oldest report leaves the 10 minutes, and then one more is taken', async () => {
    const { limit, advance } = limiter(get());
    await accept(limit, 'a');
    advance(4 * MINUTE);
    for (let i = 0; i < 19; i++) await accept(limit, 'a');
    advance(MINUTE);
    expect(await limit.reserve('a')).toEqual({ allowed: false, retryAfterS: 300 });
    advance(5 * MINUTE);
    await accept(limit, 'a');
    expect(await limit.reserve('a')).toEqual({ allowed: false, retryAfterS: 240 });
  });

  it('holds the place of a report being checked, so concurrent ones cannot overshoot, and gives it back when refused', async () => {
    const { limit } = limiter(get());
    const pending = await Promise.all(Array.from({ length: 20 }, () => limit.reserve('a')));
    expect(pending.every((slot) => slot.allowed)).toBe(true);
    expect((await limit.reserve('a')).allowed).toBe(false);
    const first = pending[0]!;
    if (first.allowed) await first.refused();
    expect((await limit.reserve('a')).allowed).toBe(true);
  });

  it('bounds refused submissions too (each may cost a photo decode): 60 in 10 minutes', async () => {
    const { limit, advance } = limiter(get());
    for (let i = 0; i < 60; i++) {
      const slot = await limit.reserve('a');
      if (slot.allowed) await slot.refused();
      advance(1000);
    }
    expect(await limit.reserve('a')).toEqual({ allowed: false, retryAfterS: 540 });
  });

  it('gives the last place to exactly one of two processes racing for it', async () => {
    const db = get();
    const other = racingConnection(db);
    try {
      const clock = { now: () => 1_000_000 };
      const here = new ReportRateLimit(db, clock);
      const there = new ReportRateLimit(other, clock);
      for (let i = 0; i < 19; i++) await accept(here, '10.0.0.7');
      for (let round = 0; round < 3; round++) {
        const raced = await Promise.all([here.reserve('10.0.0.7'), there.reserve('10.0.0.7')]);
        expect(raced.filter((slot) => slot.allowed)).toHaveLength(round === 0 ? 1 : 0);
      }
      // many at once from both: still twenty in all
      const many = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? here : there).reserve('10.0.0.8')));
      expect(many.filter((slot) => slot.allowed)).toHaveLength(10);
      const more = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? here : there).reserve('10.0.0.8')));
      expect(more.filter((slot) => slot.allowed)).toHaveLength(10);
    } finally {
      await other.close();
    }
  });

  it('purges an address once its every submission has left the window', async () => {
    const db = get();
    const { limit, advance } = limiter(db);
    await accept(limit, 'a');
    advance(5 * MINUTE);
    await accept(limit, 'b');
    advance(5 * MINUTE);
    await limit.purge();
    const clients = await db.db.selectFrom('report_limits').select('client').execute();
    expect(clients.map((r) => r.client)).toEqual(['b']);
  });
});
