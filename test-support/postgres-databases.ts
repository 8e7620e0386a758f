/**
 * The test process's one PostgreSQL cluster and its migrated template database (no vitest here:
 * the benchmarks' test clouds use it too). databases.ts builds `forEachDatabase` on it; cloud.ts
 * gives each test cloud a fresh database of it under SC_TEST_DATABASE=postgres.
 */
import { migrateQueryDatabase, postgresQueryDatabase } from '../cloud/src/db/query/index.js';
import { startPostgres, type PostgresCluster } from './postgres.js';

let cluster: Promise<PostgresCluster> | undefined;
let template: Promise<string> | undefined;
let users = 0;

/** The file's one cluster (started on first call). Pair each call with releasePostgres(). */
export function acquirePostgres(): Promise<PostgresCluster> {
  users++;
  cluster ??= startPostgres();
  return cluster;
}

/** Stops the cluster when its last user is done. */
export async function releasePostgres(): Promise<void> {
  if (--users > 0 || !cluster) return;
  const running = cluster;
  cluster = undefined;
  template = undefined;
  (await running).stop();
}

/** A database migrated to the latest schema, copied for each test from a template migrated once. */
export async function templateName(pg: PostgresCluster): Promise<string> {
  template ??= (async () => {
    const url = await pg.createDatabase();
    const q = postgresQueryDatabase(url, { max: 1 });
    await migrateQueryDatabase(q);
    await q.close();
    return new URL(url).pathname.slice(1);
  })();
  return template;
}

/**
 * The address of a fresh PostgreSQL database of this test file's cluster, migrated (a copy of the
 * template): what a test cloud runs on under SC_TEST_DATABASE=postgres. The cluster stays up until
 * the test process exits (postgres.ts stops and removes it then), so the clouds a file starts one
 * after another share it.
 */
export async function freshPostgresAddress(): Promise<string> {
  const pg = await (cluster ?? acquirePostgres());
  return pg.createDatabase(await templateName(pg));
}

