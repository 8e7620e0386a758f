import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, tuneDatabase } from '@smart-commune/shared/runtime';
import { cloudMigrations } from '../migrations.js';
import { BASELINE_VERSION } from './baseline.js';
import { sqliteQueryDatabase } from './connect.js';
import { legacySchema } from './generate.js';
import { migrateQueryDatabase, type QueryMigration } from './migrate.js';
import { diffSchemas } from './schema-diff.js';
import { readSqliteSchema } from './sqlite-schema.js';

const REGENERATE = 'the baseline differs from the legacy SQLite chain: run `npx tsx cloud/src/db/query/generate.ts` and review the diff';

const dirs: string[] = [];
function sqliteFile() {
  const dir = mkdtempSync(join(tmpdir(), 'sc-baseline-'));
  dirs.push(dir);
  const db = new Database(join(dir, 'cloud.db'));
  tuneDatabase(db);
  return db;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('baseline on SQLite', () => {
  it('makes a new database exactly as the legacy chain does (tables, columns, affinities, NOT NULL, defaults, keys, checks, indexes, triggers)', async () => {
    const sqlite = sqliteFile();
    const q = sqliteQueryDatabase(sqlite);
    expect(await migrateQueryDatabase(q)).toBe(BASELINE_VERSION);
    expect(sqlite.pragma('user_version', { simple: true })).toBe(BASELINE_VERSION);
    expect(diffSchemas(legacySchema(), readSqliteSchema(sqlite)), REGENERATE).toEqual([]);
    expect(BASELINE_VERSION, REGENERATE).toBe(cloudMigrations.length);
    await q.close();
  });

  it('names what differs, so a column added to the legacy chain is listed for the baseline', () => {
    const withExtra = new Database(':memory:');
    migrate(withExtra, [...cloudMigrations, `ALTER TABLE edges ADD COLUMN firmware TEXT NOT NULL DEFAULT 'x'; CREATE INDEX edges_firmware ON edges(firmware);`]);
    const expected = readSqliteSchema(withExtra);
    expect(diffSchemas(expected, legacySchema())).toEqual([
      'column edges.firmware: missing from the baseline',
      'index edges_firmware (firmware) on edges: missing from the baseline',
    ]);
    withExtra.close();
  });

  it('brings an existing file by the legacy chain to the baseline version, then leaves it alone', async () => {
    const sqlite = sqliteFile();
    migrate(sqlite, cloudMigrations.slice(0, 10));
    sqlite.prepare(`INSERT INTO communes (code, name, district, province) VALUES ('vi-tan', 'Vị Tân', 'Vị Thanh', 'Hậu Giang')`).run();
    const q = sqliteQueryDatabase(sqlite);
    expect(await migrateQueryDatabase(q)).toBe(BASELINE_VERSION);
    expect(diffSchemas(legacySchema(), readSqliteSchema(sqlite))).toEqual([]);
    // migration 28 back-filled the commune's creation time: the legacy chain ran, not the baseline
    expect(await q.db.selectFrom('communes').select(['code', 'name']).execute()).toEqual([{ code: 'vi-tan', name: 'Vị Tân' }]);
    expect(await migrateQueryDatabase(q)).toBe(BASELINE_VERSION);
    await q.close();
  });

  it('runs the shared list after the baseline and refuses a database newer than it knows', async () => {
    const sqlite = sqliteFile();
    const q = sqliteQueryDatabase(sqlite);
    const migrations: QueryMigration[] = [{ name: 'edges.firmware', up: async (db) => void (await db.schema.alterTable('edges').addColumn('firmware', 'text').execute()) }];
    expect(await migrateQueryDatabase(q, migrations)).toBe(BASELINE_VERSION + 1);
    expect((sqlite.pragma('table_info(edges)') as { name: string }[]).map((c) => c.name)).toContain('firmware');
    await expect(migrateQueryDatabase(q, [])).rejects.toThrow(/newer than this software knows/);
    await q.close();
  });
});
