import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { secondConnection } from '../../../../test-support/second-connection.js';
import {
  eqNoCase,
  flushWriteLog,
  fromDbBool,
  fromExcluded,
  skipLockedRows,
  bigintValue,
  greatest,
  isUniqueViolation,
  jsonArrayAgg,
  jsonArrayElements,
  jsonArrayTexts,
  jsonNumber,
  jsonText,
  least,
  likeLiteral,
  likeNoCase,
  purgeReplacedRows,
  transactionLock,
  toDbBool,
} from './dialect.js';

const commune = { code: 'vi-tan', name: 'Vị Tân', district: 'Vị Thanh', province: 'Hậu Giang' };
const hamlet = (code: string, position: number) => ({ code, commune_code: 'vi-tan', name: `Ấp ${position}`, position });
const edge = (id: string, hamlet_code: string) => ({ id, name: id, hamlet_code, status: 'active', created_at: 1, updated_at: 1 });

forEachDatabase('dialect helpers', (get) => {
  async function seed() {
    const { db } = get();
    await db.insertInto('communes').values(commune).execute();
    await db.insertInto('hamlets').values([hamlet('ap-1', 1), hamlet('ap-2', 2)]).execute();
    await db.insertInto('edges').values([edge('e1', 'ap-1'), edge('e2', 'ap-2')]).execute();
  }

  it('reads JSON members as text and as numbers, nested or absent', async () => {
    await seed();
    const { db, dialect: d } = get();
    const body = JSON.stringify({ radio: { speakers: [{ zone: 'cho', volume: 70 }, { zone: 'truong', volume: 55 }] }, name: 'Tủ ấp 1', intervalS: 10 });
    await db.insertInto('documents').values({ edge_id: 'e1', doc: 'config', version: 1, body, issued_at: 1 }).execute();
    const row = await db
      .selectFrom('documents')
      .select([
        jsonText(d, sql.ref('body'), ['name']).as('name'),
        jsonNumber(d, sql.ref('body'), ['intervalS']).as('interval'),
        jsonText(d, sql.ref('body'), ['missing']).as('missing'),
        jsonText(d, sql.ref('body'), ['radio']).as('radio'),
      ])
      .executeTakeFirstOrThrow();
    expect(row.name).toBe('Tủ ấp 1');
    expect(row.interval).toBe(10);
    expect(row.missing).toBeNull();
    expect(JSON.parse(row.radio!)).toEqual({ speakers: [{ zone: 'cho', volume: 70 }, { zone: 'truong', volume: 55 }] });
    expect(() => jsonText(d, sql.ref('body'), ["x') OR 1=1 --"])).toThrow(/must be an identifier/);
  });

  it('iterates a JSON array inside a column (json_each / jsonb_array_elements) and filters on its members', async () => {
    await seed();
    const { db, dialect: d } = get();
    const body = JSON.stringify({ radio: { speakers: [{ zone: 'cho', volume: 70 }, { zone: 'truong', volume: 55 }] } });
    await db.insertInto('documents').values({ edge_id: 'e1', doc: 'config', version: 1, body, issued_at: 1 }).execute();
    const zones = await db
      .selectFrom(['documents', jsonArrayElements(d, sql.ref('documents.body'), ['radio', 'speakers']).as('sp')])
      .select(jsonText(d, sql.ref('sp.value'), ['zone']).as('zone'))
      .where(jsonNumber(d, sql.ref('sp.value'), ['volume']), '>', 60)
      .execute();
    expect(zones).toEqual([{ zone: 'cho' }]);
    const targets = await db
      .selectFrom(jsonArrayTexts(d, sql.val(JSON.stringify(['ap-2', 'ap-1']))).as('t'))
      .innerJoin('hamlets', 'hamlets.code', 't.value')
      .select('hamlets.name')
      .orderBy('hamlets.position')
      .execute();
    expect(targets.map((t) => t.name)).toEqual(['Ấp 1', 'Ấp 2']);
  });

  it('aggregates into a JSON array text', async () => {
    await seed();
    const { db, dialect: d } = get();
    const row = await db.selectFrom('edges').select(jsonArrayAgg(d, sql.ref('id')).as('ids')).executeTakeFirstOrThrow();
    expect(JSON.parse(row.ids!).sort()).toEqual(['e1', 'e2']);
    const none = await db.selectFrom('edges').where('id', '=', 'nobody').select(jsonArrayAgg(d, sql.ref('id')).as('ids')).executeTakeFirstOrThrow();
    // SQLite's json_group_array gives '[]' for no rows, PostgreSQL's json_agg NULL: callers treat both as empty
    expect(none.ids === null || none.ids === '[]').toBe(true);
  });

  it('takes the larger or smaller of two values like SQLite, NULL when one is NULL', async () => {
    const { db, dialect: d } = get();
    const row = await db
      .selectNoFrom([
        greatest(d, sql.lit(3), sql.lit(7)).as('g'),
        least(d, sql.lit(3), sql.lit(7)).as('l'),
        greatest(d, sql.lit(3), sql<number | null>`NULL`).as('gn'),
        least(d, sql<number | null>`NULL`, sql.lit(7)).as('ln'),
      ])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ g: 7, l: 3, gn: null, ln: null });
    // a bound number (a parameter PostgreSQL must be told the type of: it also stands alone in the NULL guard)
    const bound = await db
      .selectNoFrom([least(d, sql.lit(3), bigintValue(d, 2)).as('l'), greatest(d, bigintValue(d, 9), sql.lit(7)).as('g')])
      .executeTakeFirstOrThrow();
    expect({ l: Number(bound.l), g: Number(bound.g) }).toEqual({ l: 2, g: 9 });
  });

  it('compares names ignoring case and matches LIKE patterns ignoring case, literally when asked', async () => {
    const { db, dialect: d } = get();
    const user = { display_name: 'x', role: 'operator', password_hash: 'x', created_at: 1, updated_at: 1 };
    await db.insertInto('users').values([{ ...user, id: 'u1', username: 'Operator' }, { ...user, id: 'u2', username: 'an_ninh' }]).execute();
    const found = await db.selectFrom('users').select('id').where(eqNoCase(d, sql.ref('username'), 'OPERATOR')).execute();
    expect(found).toEqual([{ id: 'u1' }]);
    const like = await db.selectFrom('users').select('id').where(likeNoCase(d, sql.ref('username'), '%PERAT%')).execute();
    expect(like).toEqual([{ id: 'u1' }]);
    // `_` is a wildcard unless escaped: 'an_n' literally matches only an_ninh
    const literal = await db.selectFrom('users').select('id').where(likeNoCase(d, sql.ref('username'), `%${likeLiteral('N_N')}%`)).execute();
    expect(literal).toEqual([{ id: 'u2' }]);
    expect(await db.selectFrom('users').select('id').where(likeNoCase(d, sql.ref('username'), `%${likeLiteral('R_T')}%`)).execute()).toEqual([]);
  });

  it('stores booleans as 0/1 on both', async () => {
    await seed();
    const { db } = get();
    await db.insertInto('edge_state').values({ edge_id: 'e1', online: toDbBool(true) }).execute();
    await db.insertInto('edge_state').values({ edge_id: 'e2', online: toDbBool(false) }).execute();
    const rows = await db.selectFrom('edge_state').select(['edge_id', 'online']).where('online', '=', toDbBool(true)).execute();
    expect(rows).toEqual([{ edge_id: 'e1', online: 1 }]);
    expect(fromDbBool(rows[0]!.online)).toBe(true);
    expect(fromDbBool(0)).toBe(false);
  });

  it('upserts with ON CONFLICT … DO UPDATE from the refused row, qualifying the existing column, and returns the row', async () => {
    await seed();
    const { db } = get();
    const raise = (body: string, at: number) =>
      db
        .insertInto('documents')
        .values({ edge_id: 'e1', doc: 'plan', version: 1, body, issued_at: at })
        .onConflict((oc) => oc.columns(['edge_id', 'doc']).doUpdateSet((eb) => ({ ...fromExcluded(['body', 'issued_at']), version: eb('documents.version', '+', 1) })))
        .returning(['version', 'body', 'issued_at'])
        .executeTakeFirstOrThrow();
    expect(await raise('{"a":1}', 10)).toEqual({ version: 1, body: '{"a":1}', issued_at: 10 });
    expect(await raise('{"a":2}', 20)).toEqual({ version: 2, body: '{"a":2}', issued_at: 20 });
    const ignored = await db
      .insertInto('edge_events')
      .values({ event_id: 'ev1', edge_id: 'e1', kind: 'k', ts: 1, received_at: 1, body: '{}' })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .execute();
    expect(ignored).toEqual([{ event_id: 'ev1' }]);
  });

  it('gives an AUTOINCREMENT key back through RETURNING and counts as numbers', async () => {
    const { db } = get();
    const a = await db.insertInto('audit_log').values({ at: Date.now(), actor: 'u', action: 'x' }).returning('id').executeTakeFirstOrThrow();
    expect(typeof a.id).toBe('number');
    const count = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('claims rows skipping those another transaction holds (PostgreSQL), or leaves the select as it is (SQLite)', async () => {
    const { db, dialect } = get();
    const t = Date.now();
    for (const key of ['a', 'b', 'c'])
      await db.insertInto('audit_log').values({ at: t, actor: key, action: 'x' }).execute();
    const unlocked = (from: typeof db) =>
      skipLockedRows(dialect, from.selectFrom('audit_log').select('actor').orderBy('id')).execute().then((rows) => rows.map((r) => r.actor));
    if (dialect === 'sqlite') {
      expect(await unlocked(db)).toEqual(['a', 'b', 'c']);
      return;
    }
    // one transaction holds row "a"; another connection's claim passes over it instead of waiting
    await db.transaction().execute(async (trx) => {
      expect(await skipLockedRows(dialect, trx.selectFrom('audit_log').select('actor').where('actor', '=', 'a')).execute()).toEqual([{ actor: 'a' }]);
      expect(await unlocked(db)).toEqual(['b', 'c']);
    });
    expect(await unlocked(db)).toEqual(['a', 'b', 'c']);
  });

  it('recognises a UNIQUE or primary key refusal, and nothing else, as a unique violation', async () => {
    const { db } = get();
    await seed();
    const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);
    expect(isUniqueViolation(await refusal(db.insertInto('communes').values(commune).execute()))).toBe(true);
    await db.updateTable('communes').set({ admin_code: '31471' }).execute();
    const other = { ...commune, code: 'vi-thanh', admin_code: '31471' };
    expect(isUniqueViolation(await refusal(db.insertInto('communes').values(other).execute()))).toBe(true);
    // a foreign key refusal is not one
    const orphan = await refusal(db.insertInto('hamlets').values({ code: 'x', commune_code: 'none', name: 'X', position: 0 }).execute());
    expect(orphan).not.toBeNull();
    expect(isUniqueViolation(orphan)).toBe(false);
    expect(isUniqueViolation(new Error('UNIQUE'))).toBe(false);
  });

  it('purges the replaced versions of a table\'s rows from the database files (VACUUM / VACUUM FULL), outside any transaction', async () => {
    await seed();
    const q = get();
    const { db, dialect } = q;
    const SECRET = 'Clear-Secret-4411';
    // a row replaced and one deleted: both leave their old bytes behind (SQLite's free pages, PostgreSQL's dead row versions)
    await db.insertInto('documents').values({ edge_id: 'e1', doc: 'config', version: 1, body: JSON.stringify({ password: SECRET }), issued_at: 1 }).execute();
    await db.insertInto('documents').values({ edge_id: 'e2', doc: 'config', version: 1, body: JSON.stringify({ password: `${SECRET}-gone` }), issued_at: 1 }).execute();
    await db.updateTable('documents').set({ body: JSON.stringify({ password: 'enc:v1:sealed' }) }).where('edge_id', '=', 'e1').execute();
    await db.deleteFrom('documents').where('edge_id', '=', 'e2').execute();
    /** What the database keeps on disk for the documents: SQLite's file and WAL, PostgreSQL's table file after a checkpoint. */
    const stored = async (): Promise<Buffer> => {
      if (dialect === 'sqlite') {
        for (const statement of flushWriteLog(dialect)) await statement.execute(db);
        return Buffer.concat([q.address, `${q.address}-wal`].filter(existsSync).map((f) => readFileSync(f)));
      }
      expect(flushWriteLog(dialect)).toEqual([]);
      await sql`CHECKPOINT`.execute(db);
      const { rows } = await sql<{ path: string }>`SELECT current_setting('data_directory') || '/' || pg_relation_filepath('documents') AS path`.execute(db);
      return readFileSync(rows[0]!.path);
    };
    expect((await stored()).includes(SECRET)).toBe(true); // the replaced version is still there
    for (const statement of purgeReplacedRows(dialect, 'documents')) await statement.execute(db);
    const after = await stored();
    expect(after.includes(SECRET)).toBe(false);
    expect(after.includes('enc:v1:sealed')).toBe(true);
    expect(() => purgeReplacedRows(dialect, 'documents; DROP TABLE users')).toThrow(/must be an identifier/);
  });

  it('makes transactions asking for the same lock key run one after the other (PostgreSQL; SQLite writes one at a time)', async () => {
    const q = get();
    if (q.dialect === 'sqlite') {
      expect(transactionLock(q.dialect, 'k')).toEqual([]);
      return;
    }
    const other = secondConnection(q);
    try {
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = q.db.transaction().execute(async (trx) => {
        for (const s of transactionLock(q.dialect, 'audit.once:x')) await s.execute(trx);
        order.push('first locked');
        await held;
        order.push('first done');
      });
      while (!order.includes('first locked')) await new Promise((r) => setTimeout(r, 10));
      const second = other.db.transaction().execute(async (trx) => {
        for (const s of transactionLock(q.dialect, 'audit.once:x')) await s.execute(trx);
        order.push('second locked');
      });
      // another key is not held up
      await other.db.transaction().execute(async (trx) => {
        for (const s of transactionLock(q.dialect, 'audit.once:y')) await s.execute(trx);
      });
      await new Promise((r) => setTimeout(r, 150));
      expect(order).toEqual(['first locked']);
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first locked', 'first done', 'second locked']);
    } finally {
      await other.close();
    }
  });
});
