import type { Db } from './database.js';

/** Small named facts the daemon keeps for `sc-edge status` (connection, clock) — readable while it runs. */
export class StateStore {
  private readonly upsert;
  private readonly select;

  constructor(db: Db) {
    this.upsert = db.prepare(
      'INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.select = db.prepare('SELECT value, updated_at FROM state WHERE key = ?');
  }

  set(key: string, value: unknown): void {
    this.upsert.run(key, JSON.stringify(value), Date.now());
  }

  get<T>(key: string): { value: T; updatedAt: number } | null {
    const row = this.select.get(key) as { value: string; updated_at: number } | undefined;
    return row ? { value: JSON.parse(row.value) as T, updatedAt: row.updated_at } : null;
  }
}
