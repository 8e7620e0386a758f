import type { SqliteDatabase, SqliteStatement } from 'kysely';
import type { Db } from '../database.js';

/** Distinct SQL texts kept prepared; past it the oldest is dropped (lists of varying length make new texts). */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The better-sqlite3 handle as Kysely's SQLite driver sees it, with its prepared statements kept.
 *
 * Why: Kysely's driver prepares every query afresh (`db.prepare(sql)` on each execution), and
 * parsing and planning the SQL cost as much as running it: in the fleet benchmark's connect phase
 * `prepare` was half of the cloud's SQLite time (authentication, presence, documents, telemetry for
 * thousands of boxes). A statement is reused once its text was seen; one still being iterated (a
 * streamed query) is not shared, a fresh one is prepared for the caller instead.
 */
export function cachedStatements(sqlite: Db, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached as unknown as SqliteStatement;
      const statement = sqlite.prepare(sql);
      if (!cached) {
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
