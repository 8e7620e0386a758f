/** The slice of better-sqlite3's Database that migrations need (kept structural so shared has no native dependency). */
export interface MigratableDatabase {
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** better-sqlite3's transactions also run as BEGIN IMMEDIATE, taking the write lock first. */
  transaction(fn: () => void): { (): void; immediate?: () => void };
}

/** Numbered migrations: index 0 is version 1. Never edit a shipped one; append a new one. */
export type Migration = string;

/** Applies pending migrations in one transaction each, tracked by SQLite's user_version. Returns the new version. */
export function migrate(db: MigratableDatabase, migrations: readonly Migration[]): number {
  const versionNow = () => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > migrations.length) throw new Error(`database schema version ${current} is newer than this software knows (${migrations.length})`);
    return current;
  };
  if (versionNow() === migrations.length) return migrations.length;
  // Two processes may open the file at once (the daemon and `sc-edge status`): the version is read
  // again under the write lock, so only one of them applies a migration.
  const upgrade = db.transaction(() => {
    for (let version = versionNow() + 1; version <= migrations.length; version++) {
      db.exec(migrations[version - 1]!);
      db.pragma(`user_version = ${version}`);
    }
  });
  (upgrade.immediate ?? upgrade)();
  return migrations.length;
}

/** A column an older release can ignore (see ensureColumns). */
export interface AddedColumn {
  table: string;
  column: string;
  /** Its SQL type and default, e.g. `INTEGER` or `TEXT NOT NULL DEFAULT ''`. */
  type: string;
}

/**
 * Adds the columns that are missing, outside the numbered migrations: a database that gained only
 * such columns keeps its `user_version`, so the release before them (which names its columns in every
 * statement) still opens it after a rollback, where a numbered migration would make it refuse the file.
 */
export function ensureColumns(db: MigratableDatabase, columns: readonly AddedColumn[]): void {
  for (const { table, column, type } of columns) {
    const existing = db.pragma(`table_info(${table})`) as { name: string }[];
    if (existing.some((c) => c.name === column)) continue;
    try {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    } catch (err) {
      // another process (sc-edge status beside the daemon) added it between the check and the ALTER
      if (!/duplicate column/i.test((err as Error).message)) throw err;
    }
  }
}

/** Pragmas both daemons use: WAL so readers never block the writer, and durable commits. */
export function tuneDatabase(db: MigratableDatabase): void {
  db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') switchToWal(db);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

const LOCK_WAIT_MS = 5000;

/** Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once rather than wait: retry. */
function switchToWal(db: MigratableDatabase): void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (!/locked|busy/i.test((err as Error).message) || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
