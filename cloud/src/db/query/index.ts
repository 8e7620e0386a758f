/** The typed query layer over SQLite and PostgreSQL (docs/architecture.md, "Query layer"). */
export { postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from './connect.js';
export { openQueryDatabase, withoutPassword } from './open.js';
export { migrateQueryDatabase, queryMigrations, schemaVersion, LATEST_VERSION, type QueryMigration } from './migrate.js';
export { BASELINE_VERSION } from './baseline.js';
export type { DialectName } from './baseline-support.js';
export type { Database } from './tables.js';
export * from './dialect.js';
