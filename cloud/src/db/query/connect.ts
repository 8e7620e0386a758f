import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Db } from '../database.js';
import type { DialectName } from './baseline-support.js';
import { cachedStatements } from './statement-cache.js';
import type { Database } from './tables.js';

/** The typed query layer over one database: Kysely, which dialect it speaks, and (SQLite) the file's handle. */
export interface QueryDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The better-sqlite3 handle under a SQLite layer (the legacy migration chain and synchronous stores use it). */
  sqlite?: Db;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * PostgreSQL's bigint arrives from pg as a string (it may exceed 2^53). The schema's bigints are
 * millisecond timestamps, counts, sizes and row ids, all far below that, and the stores expect
 * numbers as SQLite gives them: parse them, and refuse a value that would lose precision.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`bigint ${text} is beyond JavaScript's safe integers`);
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Kysely over an open, tuned better-sqlite3 database (the same handle the synchronous stores use). */
export function sqliteQueryDatabase(sqlite: Db): QueryDatabase {
  // statements kept prepared: Kysely's driver would parse every query's SQL again (statement-cache.ts)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }) });
  // Kysely's SQLite driver closes the handle when destroyed
  return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
}

/** Kysely over a pool of connections to PostgreSQL (postgres://user:password@host:port/database). */
export function postgresQueryDatabase(url: string, options: { max?: number } = {}): QueryDatabase {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}
