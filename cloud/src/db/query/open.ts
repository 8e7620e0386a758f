import { openCloudDatabase } from '../database.js';
import { postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from './connect.js';
import { migrateQueryDatabase } from './migrate.js';

/**
 * The cloud's database as the configuration asks for it, migrated to the latest schema:
 * PostgreSQL when SC_DATABASE_URL is set, else the SQLite file (opened, tuned and brought up by
 * the legacy chain, then the query layer's migrations). On PostgreSQL the migration runs under its
 * advisory lock, so cloud processes starting at once migrate once. A database that cannot be
 * reached or migrated closes the connection and throws an error naming SC_DATABASE_URL (without
 * the password): the operator sees what to fix, not a pool left open.
 */
export async function openQueryDatabase(config: { SC_DATABASE_URL?: string | undefined; sqliteFile: string }): Promise<QueryDatabase> {
  const q = config.SC_DATABASE_URL ? postgresQueryDatabase(config.SC_DATABASE_URL) : sqliteQueryDatabase(openCloudDatabase(config.sqliteFile));
  try {
    await migrateQueryDatabase(q);
    return q;
  } catch (err) {
    await q.close().catch(() => undefined);
    if (!config.SC_DATABASE_URL) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`SC_DATABASE_URL: PostgreSQL at ${withoutPassword(config.SC_DATABASE_URL)} could not be opened and migrated: ${message}`, { cause: err });
  }
}

/** The address for a log or an error: the password replaced by ***. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
