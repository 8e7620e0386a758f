import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { cachedStatements } from './statement-cache.js';

/** A real better-sqlite3 handle that counts how often SQL is prepared. */
function counted() {
  const sqlite = new Database(':memory:');
  const prepared: string[] = [];
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof sqlite.prepare;
  sqlite.exec('CREATE TABLE box (id TEXT PRIMARY KEY, seen INTEGER NOT NULL)');
  return { sqlite, prepared };
}

describe('cachedStatements under Kysely', () => {
  it('prepares a query\'s SQL once and runs it again with new parameters', async () => {
    const { sqlite, prepared } = counted();
    const db = new Kysely<{ box: { id: string; seen: number } }>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }) });
    for (let i = 0; i < 50; i++) await db.insertInto('box').values({ id: `b${i}`, seen: i }).execute();
    for (let i = 0; i < 50; i++) await db.updateTable('box').set({ seen: i * 10 }).where('id', '=', `b${i}`).execute();
    const rows = [];
    for (let i = 0; i < 50; i++) rows.push(await db.selectFrom('box').select('seen').where('id', '=', `b${i}`).executeTakeFirstOrThrow());
    expect(rows.map((r) => r.seen)).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(prepared.filter((s) => s.startsWith('insert'))).toHaveLength(1);
    expect(prepared.filter((s) => s.startsWith('update'))).toHaveLength(1);
    expect(prepared.filter((s) => s.startsWith('select'))).toHaveLength(1);
    // transactions too: begin/commit are prepared once, and what they wrote is there
    for (let i = 0; i < 3; i++) await db.transaction().execute(async (trx) => trx.insertInto('box').values({ id: `t${i}`, seen: 0 }).execute());
    expect(prepared.filter((s) => s === 'begin')).toHaveLength(1);
    expect((await sql<{ n: number }>`select count(*) as n from box`.execute(db)).rows[0]!.n).toBe(53);
    await db.destroy();
    expect(sqlite.open).toBe(false);
  });

  it('keeps at most its size, and never hands out a statement still being iterated', async () => {
    const { sqlite, prepared } = counted();
    const cache = cachedStatements(sqlite, 3);
    for (let round = 0; round < 2; round++) for (let i = 0; i < 5; i++) cache.prepare(`select ${i} as n`);
    // 5 texts through a cache of 3: the oldest went, so every one of the second round was prepared again
    expect(prepared.filter((s) => s.startsWith('select'))).toHaveLength(10);

    sqlite.exec("INSERT INTO box VALUES ('x', 1), ('y', 2)");
    const streaming = cache.prepare('select seen from box');
    const iterator = streaming.iterate([]);
    iterator.next();
    const again = cache.prepare('select seen from box');
    expect(again).not.toBe(streaming);
    iterator.return?.();
    expect(again.all([])).toEqual([{ seen: 1 }, { seen: 2 }]);
    cache.close();
  });
});
