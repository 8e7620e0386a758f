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
