import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquirePostgres, releasePostgres } from '../../../../test-support/databases.js';
import type { PostgresCluster } from '../../../../test-support/postgres.js';
import { BASELINE_VERSION } from './baseline.js';
import { postgresQueryDatabase } from './connect.js';
import { legacySchema } from './generate.js';
import { migrateQueryDatabase, schemaVersion, type QueryMigration } from './migrate.js';
import { tableColumns } from './tables.js';

let pg: PostgresCluster;
beforeAll(async () => {
  pg = await acquirePostgres();
}, 60_000);
afterAll(() => releasePostgres());

const PG_TYPE = { TEXT: 'text', INTEGER: 'bigint', REAL: 'double precision', BLOB: 'bytea' } as const;

describe('baseline on PostgreSQL', () => {
  it('creates every table and column of the typed tables, with types wide enough and the same NOT NULLs', async () => {
    const q = postgresQueryDatabase(await pg.createDatabase());
    expect(await schemaVersion(q)).toBe(0);
    expect(await migrateQueryDatabase(q)).toBe(BASELINE_VERSION);
    expect(await schemaVersion(q)).toBe(BASELINE_VERSION);
    const rows = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'sc_schema_version'`.execute(q.db);
    const actual: Record<string, Record<string, string>> = {};
    for (const r of rows.rows) (actual[r.table_name] ??= {})[r.column_name] = `${r.data_type}${r.is_nullable === 'YES' ? '?' : ''}`;
    const expected: Record<string, Record<string, string>> = {};
    for (const [table, columns] of Object.entries(tableColumns)) {
      expected[table] = {};
      for (const [column, kind] of Object.entries(columns as Record<string, string>)) {
        expected[table]![column] = `${PG_TYPE[kind.replace('?', '') as keyof typeof PG_TYPE]}${kind.endsWith('?') ? '?' : ''}`;
      }
    }
    expect(actual).toEqual(expected);
    await q.close();
  });

  it('has every index, default, foreign key and check of the SQLite schema', async () => {
    const q = postgresQueryDatabase(await pg.createDatabase());
    await migrateQueryDatabase(q);
    const schema = legacySchema();
    const indexes = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`.execute(q.db);
    const names = new Set(indexes.rows.map((r) => r.indexname));
    expect(schema.tables.flatMap((t) => t.indexes.map((i) => i.name)).filter((n) => !names.has(n))).toEqual([]);
    const defaults = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_default IS NOT NULL AND is_identity = 'NO'`.execute(q.db);
    const withDefault = (t: { name: string; columns: { name: string; defaultSql: string | null }[] }) => t.columns.filter((c) => c.defaultSql !== null).map((c) => `${t.name}.${c.name}`);
    expect(defaults.rows.map((r) => `${r.table_name}.${r.column_name}`).sort()).toEqual(schema.tables.flatMap(withDefault).sort());
    const constraints = await sql<{ contype: string; n: number }>`
      SELECT contype, count(*)::int AS n FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
      WHERE s.nspname = 'public' AND contype IN ('f', 'c') GROUP BY contype`.execute(q.db);
    const count = (type: string) => constraints.rows.find((r) => r.contype === type)?.n ?? 0;
    expect(count('f')).toBe(schema.tables.reduce((n, t) => n + t.foreignKeys.length, 0));
    expect(count('c')).toBe(schema.tables.reduce((n, t) => n + t.checks.length, 0) + 1); // + sc_schema_version's
    await q.close();
  });

  it('keeps the checks, the append-only audit log, NOCASE names and identity keys', async () => {
    const q = postgresQueryDatabase(await pg.createDatabase());
    await migrateQueryDatabase(q);
    const user = { id: 'u1', username: 'Admin', display_name: 'A', role: 'admin', password_hash: 'x', created_at: 1, updated_at: 1 };
    await q.db.insertInto('users').values(user).execute();
    await expect(q.db.insertInto('users').values({ ...user, id: 'u2', username: 'admin' }).execute()).rejects.toThrow(/users_username_nocase/);
    await expect(q.db.insertInto('users').values({ ...user, id: 'u3', username: 'x', role: 'mayor' }).execute()).rejects.toThrow(/users_check_0/);
    const first = await q.db.insertInto('audit_log').values({ at: 1, actor: 'u1', action: 'login' }).returning('id').executeTakeFirstOrThrow();
    const second = await q.db.insertInto('audit_log').values({ at: 2, actor: 'u1', action: 'login' }).returning('id').executeTakeFirstOrThrow();
    expect(second.id).toBe(first.id + 1);
    await expect(q.db.deleteFrom('audit_log').execute()).rejects.toThrow(/audit_log is append-only/);
    await expect(q.db.updateTable('audit_log').set({ actor: 'x' }).execute()).rejects.toThrow(/audit_log is append-only/);
    await q.close();
  });

  it('migrates once when two processes start at once: the advisory lock makes the second wait and find the work done', async () => {
    const url = await pg.createDatabase();
    const counted: string[] = [];
    const migrations: QueryMigration[] = [
      {
        name: 'count runs',
        up: async (db) => {
          counted.push('ran');
          await db.schema.createTable('probe').addColumn('x', 'integer').execute();
        },
      },
    ];
    const a = postgresQueryDatabase(url);
    const b = postgresQueryDatabase(url);
    const versions = await Promise.all([migrateQueryDatabase(a, migrations), migrateQueryDatabase(b, migrations)]);
    expect(versions).toEqual([BASELINE_VERSION + 1, BASELINE_VERSION + 1]);
    expect(counted).toEqual(['ran']);
    const rows = await sql<{ version: number }>`SELECT version FROM sc_schema_version`.execute(a.db);
    expect(rows.rows).toEqual([{ version: BASELINE_VERSION + 1 }]);
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves the schema as it was when a migration fails (one transaction)', async () => {
    const q = postgresQueryDatabase(await pg.createDatabase());
    const failing: QueryMigration[] = [{ name: 'broken', up: async (db) => void (await sql`SELECT no_such_function()`.execute(db)) }];
    await expect(migrateQueryDatabase(q, failing)).rejects.toThrow(/no_such_function/);
    expect(await schemaVersion(q)).toBe(0);
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`.execute(q.db);
    expect(tables.rows[0]!.n).toBe(0);
    await q.close();
  });
});
