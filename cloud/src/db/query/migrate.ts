import { sql, type Kysely } from 'kysely';
import { migrate as migrateLegacy } from '@smart-commune/shared/runtime';
import { cloudMigrations } from '../migrations.js';
import { BASELINE_VERSION, createBaseline } from './baseline.js';
import type { DialectName } from './baseline-support.js';
import type { QueryDatabase } from './connect.js';
import type { Database } from './tables.js';

/** A schema change written once for both dialects (Kysely's schema builder; `d` for what differs). */
export interface QueryMigration {
  name: string;
  /** Untyped on purpose: a migration sees the schema as it was at its version, not today's tables.ts. */
  up(db: Kysely<any>, d: DialectName): Promise<void>;
}

/**
 * The one migration list after the baseline: entry i is version BASELINE_VERSION + 1 + i. Append
 * only. (Until then the legacy SQLite chain in ../migrations.ts still grows; when the stores are
 * converted, the legacy chain freezes at the baseline and new changes go here.)
 */
export const queryMigrations: QueryMigration[] = [];

export const LATEST_VERSION = () => BASELINE_VERSION + queryMigrations.length;

/** Any fixed number: the key of the advisory lock every cloud process takes to migrate PostgreSQL. */
const MIGRATION_LOCK_KEY = 0x5c_c10d;

/**
 * Brings a database to the latest schema and returns its version. A new database gets the
 * baseline; an existing SQLite file first runs the legacy chain up to the baseline's version. On
 * PostgreSQL everything runs in one transaction under an advisory lock: two cloud processes
 * starting at once, one migrates and the other then finds the work done. (DDL is transactional
 * there: a failed migration leaves the schema as it was.)
 */
export async function migrateQueryDatabase(q: QueryDatabase, migrations: readonly QueryMigration[] = queryMigrations): Promise<number> {
  return q.dialect === 'postgres' ? migratePostgres(q.db, migrations) : migrateSqlite(q, migrations);
}

async function migrateSqlite(q: QueryDatabase, migrations: readonly QueryMigration[]): Promise<number> {
  const sqlite = q.sqlite;
  if (!sqlite) throw new Error('a SQLite query database needs its better-sqlite3 handle to migrate');
  const latest = BASELINE_VERSION + migrations.length;
  const version = () => Number(sqlite.pragma('user_version', { simple: true }));
  if (version() > latest) throw new Error(`database schema version ${version()} is newer than this software knows (${latest}): regenerate the baseline (cloud/src/db/query/generate.ts)`);
  const empty = (sqlite.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).get() as { n: number }).n === 0;
  if (version() === 0 && empty) {
    await q.db.transaction().execute(async (trx) => {
      await createBaseline(trx, 'sqlite');
      await sql.raw(`PRAGMA user_version = ${BASELINE_VERSION}`).execute(trx);
    });
  } else if (version() < BASELINE_VERSION) {
    // an existing file: the legacy chain, synchronous, under SQLite's write lock
    migrateLegacy(sqlite, cloudMigrations.slice(0, BASELINE_VERSION));
  }
  for (let v = version() + 1; v <= latest; v++) {
    await q.db.transaction().execute(async (trx) => {
      await migrations[v - BASELINE_VERSION - 1]!.up(trx, 'sqlite');
      await sql.raw(`PRAGMA user_version = ${v}`).execute(trx);
    });
  }
  return latest;
}

async function migratePostgres(db: Kysely<Database>, migrations: readonly QueryMigration[]): Promise<number> {
  const latest = BASELINE_VERSION + migrations.length;
  return db.transaction().execute(async (trx) => {
    // the lock first: creating the version table is itself a race otherwise
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS sc_schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)`.execute(trx);
    const row = await sql<{ version: number }>`SELECT version FROM sc_schema_version WHERE id = 1`.execute(trx);
    let version = row.rows[0]?.version ?? 0;
    if (version > latest) throw new Error(`database schema version ${version} is newer than this software knows (${latest})`);
    if (version === 0) {
      await createBaseline(trx, 'postgres');
      version = BASELINE_VERSION;
    }
    for (let v = version + 1; v <= latest; v++) await migrations[v - BASELINE_VERSION - 1]!.up(trx, 'postgres');
    await sql`INSERT INTO sc_schema_version (id, version) VALUES (1, ${latest}) ON CONFLICT (id) DO UPDATE SET version = excluded.version`.execute(trx);
    return latest;
  });
}

/** The schema version a database is at (0: empty). */
export async function schemaVersion(q: QueryDatabase): Promise<number> {
  if (q.dialect === 'sqlite') return Number(q.sqlite!.pragma('user_version', { simple: true }));
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('sc_schema_version')::text AS t`.execute(q.db);
  if (!exists.rows[0]?.t) return 0;
  const row = await sql<{ version: number }>`SELECT version FROM sc_schema_version WHERE id = 1`.execute(q.db);
  return row.rows[0]?.version ?? 0;
}
