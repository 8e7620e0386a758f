import { openCloudDatabase } from '../database.js';
import { postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from './connect.js';

/**
 * The query layer the configuration asks for: PostgreSQL when SC_DATABASE_URL is set, else the
 * SQLite file (opened, tuned and migrated by the legacy chain as the stores' handle is).
 */
export function openQueryDatabase(config: { SC_DATABASE_URL?: string | undefined; sqliteFile: string }): QueryDatabase {
  if (config.SC_DATABASE_URL) return postgresQueryDatabase(config.SC_DATABASE_URL);
  return sqliteQueryDatabase(openCloudDatabase(config.sqliteFile));
}
