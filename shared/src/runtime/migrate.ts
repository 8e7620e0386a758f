/** The slice of better-sqlite3's Database that migrations need (kept structural so shared has no native dependency). */
export interface MigratableDatabase {
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction(fn: () => void): () => void;
}

/** Numbered migrations: index 0 is version 1. Never edit a shipped one; append a new one. */
export type Migration = string;

/** Applies pending migrations in one transaction each, tracked by SQLite's user_version. Returns the new version. */
export function migrate(db: MigratableDatabase, migrations: readonly Migration[]): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > migrations.length) {
    throw new Error(`database schema version ${current} is newer than this software knows (${migrations.length})`);
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    const sql = migrations[version - 1]!;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
  return migrations.length;
}

/** Pragmas both daemons use: WAL so readers never block the writer, and durable commits. */
export function tuneDatabase(db: MigratableDatabase): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}
