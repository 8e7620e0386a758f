/**
 * Another connection to a test database, as a second cloud process would have: for store tests
 * that race two calls on two connections (PostgreSQL under READ COMMITTED, or two handles on one
 * SQLite file) and show that one statement's condition decides.
 */
import { openCloudDatabase } from '../cloud/src/db/database.js';
import { postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from '../cloud/src/db/query/index.js';
import type { TestDatabase } from './databases.js';

/** Opens a second connection (pool) to the same database; close it before the test ends. */
export function secondConnection(db: TestDatabase): QueryDatabase {
  return db.dialect === 'postgres' ? postgresQueryDatabase(db.address) : sqliteQueryDatabase(openCloudDatabase(db.address));
}

/**
 * A connection for racing calls that hold a transaction across awaits: PostgreSQL, another pool;
 * SQLite, the same connection (two better-sqlite3 handles in one thread would wait synchronously on
 * each other's lock until SQLITE_BUSY; SQLite serves one writer at a time anyway, and Kysely queues
 * the two calls' transactions on its one connection). Close it as any other: on SQLite that does nothing.
 */
export function racingConnection(db: TestDatabase): QueryDatabase {
  return db.dialect === 'postgres' ? postgresQueryDatabase(db.address) : { ...db, close: async () => {} };
}
