/**
 * A bridge for the synchronous stores not converted yet (the audit log, the notifications outbox, a
 * few checks): a query written once in Kysely (for both databases) is compiled to SQLite's SQL and run
 * on the same better-sqlite3 handle, synchronously. It lets a converted module keep one query where
 * an unconverted caller still needs an answer at once; it goes when its last caller is converted (on
 * PostgreSQL there is no synchronous handle: such a caller must be converted first).
 */
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Compilable } from 'kysely';
import type { Db } from '../database.js';
import type { Database } from './tables.js';

/** A Kysely that only compiles SQLite SQL (it runs nothing: its driver is Kysely's dummy). */
export const sqliteCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

type Statement = { get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
const statements = new WeakMap<Db, Map<string, Statement>>();

function prepared(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/** Runs a query built on `sqliteCompiler` on `db` and returns its first row (undefined for none). */
export function firstRowSync<Row>(db: Db, query: Compilable<Row>): Row | undefined {
  const { sql, parameters } = query.compile();
  return prepared(db, sql).get(...parameters) as Row | undefined;
}

/** Runs a query built on `sqliteCompiler` on `db` and returns all its rows. */
export function allRowsSync<Row>(db: Db, query: Compilable<Row>): Row[] {
  const { sql, parameters } = query.compile();
  return prepared(db, sql).all(...parameters) as Row[];
}
