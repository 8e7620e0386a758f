/**
 * Runs a suite against SQLite and against a real PostgreSQL: `forEachDatabase('claim tokens', (get) => { it(…) })`
 * declares the suite twice; each test gets its own fresh, migrated database from `get()`. The
 * PostgreSQL cluster starts once per test file (on first need) and each test copies a migrated
 * template database, which takes milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { openCloudDatabase } from '../cloud/src/db/database.js';
import {
  postgresQueryDatabase,
  sqliteQueryDatabase,
  type DialectName,
  type QueryDatabase,
} from '../cloud/src/db/query/index.js';
import { acquirePostgres, releasePostgres, templateName } from './postgres-databases.js';
import type { PostgresCluster } from './postgres.js';

export { acquirePostgres, freshPostgresAddress, releasePostgres } from './postgres-databases.js';

export interface TestDatabase extends QueryDatabase {
  /** Where another process can open the same database: a SQLite file or a postgres:// address. */
  address: string;
}

/** A fresh migrated database of the dialect. Close it (await db.close()) when done. */
export async function freshDatabase(dialect: DialectName, pg?: PostgresCluster): Promise<TestDatabase> {
  if (dialect === 'postgres') {
    if (!pg) throw new Error('a PostgreSQL test database needs the cluster (acquirePostgres)');
    const address = await pg.createDatabase(await templateName(pg));
    return { ...postgresQueryDatabase(address), address };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sc-sqlite-'));
  const address = join(dir, 'cloud.db');
  const q = sqliteQueryDatabase(openCloudDatabase(address));
  return {
    ...q,
    address,
    close: async () => {
      await q.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Declares the suite once per database; `get()` is the current test's fresh database. */
export function forEachDatabase(name: string, suite: (get: () => TestDatabase) => void): void {
  describe.each(['sqlite', 'postgres'] as const)(`${name} (%s)`, (dialect) => {
    let pg: PostgresCluster | undefined;
    let current: TestDatabase | undefined;
    beforeAll(async () => {
      if (dialect === 'postgres') pg = await acquirePostgres();
    }, 60_000);
    afterAll(async () => {
      if (dialect === 'postgres') await releasePostgres();
    });
    beforeEach(async () => {
      current = await freshDatabase(dialect, pg);
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    suite(() => {
      if (!current) throw new Error('the test database exists only inside a test');
      return current;
    });
  });
}
