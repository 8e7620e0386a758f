import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../db/database.js';
import { AuditDigest } from './audit-digest.js';
import { sqliteQueryDatabase } from '../db/query/index.js';
import { AuditLog } from './audit-log.js';

const WINDOW = 10 * 60_000;

describe('AuditDigest', () => {
  let db: Db;
  let now: number;
  let audit: AuditLog;
  let digest: AuditDigest;
  beforeEach(() => {
    db = openCloudDatabase(':memory:');
    now = Date.UTC(2026, 10, 20, 3);
    audit = new AuditLog(sqliteQueryDatabase(db), () => now);
    digest = new AuditDigest(audit, { windowMs: WINDOW, maxOpen: 3, now: () => now });
  });
  afterEach(async () => {
    await digest.stop();
    db.close();
  });

  const refused = (target: string, ip = '10.0.0.7') => ({ actor: 'public', action: 'auth.login_refused', target, details: { reason: 'client_rate' }, ip });
  const rows = async () => (await audit.page({}, 100, 0)).items.reverse().map((e) => ({ target: e.target, details: e.details }));

  it('writes the first entry of a key at once and the window’s count when it ends', async () => {
    for (let i = 0; i < 50; i++) {
      await digest.note('a', refused('user:admin'));
      now += 1000;
    }
    expect(await rows()).toEqual([{ target: 'user:admin', details: { reason: 'client_rate' } }]);
    await digest.closeEnded();
    expect(await rows()).toHaveLength(1);
    now = Date.UTC(2026, 10, 20, 3) + WINDOW;
    await digest.closeEnded();
    expect(await rows()).toEqual([
      { target: 'user:admin', details: { reason: 'client_rate' } },
      { target: 'user:admin', details: { reason: 'client_rate', count: 50, firstAt: Date.UTC(2026, 10, 20, 3), lastAt: Date.UTC(2026, 10, 20, 3) + 49_000 } },
    ]);
    // the next window starts afresh, and a lone entry writes no count
    await digest.note('a', refused('user:admin'));
    await digest.stop();
    expect(await rows()).toHaveLength(3);
  });

  it('names the first ten targets when they differ', async () => {
    for (let i = 0; i < 30; i++) await digest.note('a', refused(`user:guess-${i}`));
    await digest.stop();
    const [first, summary] = await rows();
    expect(first!.target).toBe('user:guess-0');
    expect(summary!.target).toBeNull();
    expect(summary!.details).toMatchObject({ count: 30, targets: Array.from({ length: 10 }, (_, i) => `user:guess-${i}`) });
  });

  it('keeps at most maxOpen windows: the oldest is closed early, its count written', async () => {
    for (const key of ['a', 'b', 'c']) {
      await digest.note(key, refused(`user:${key}`));
      await digest.note(key, refused(`user:${key}`));
    }
    expect(await rows()).toHaveLength(3);
    await digest.note('d', refused('user:d'));
    expect((await rows()).slice(3)).toEqual([{ target: 'user:d', details: { reason: 'client_rate' } }, { target: 'user:a', details: expect.objectContaining({ count: 2 }) }]);
  });
});
