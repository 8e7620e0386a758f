import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../../../../test-support/postgres.js';

const ORPHAN = fileURLToPath(new URL('./testing/orphan-cluster.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** This process's cluster directories (test files running beside this one have their own). */
const ownerOf = (name: string) => {
  try {
    return readFileSync(join(tmpdir(), name, 'owner.pid'), 'utf8').trim();
  } catch {
    return null;
  }
};
const ownClusters = () => readdirSync(tmpdir()).filter((n) => n.startsWith('sc-pg-') && ownerOf(n) === String(process.pid));

async function answers(port: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: `postgres://sc@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('PostgreSQL test harness', () => {
  it('serves databases on 127.0.0.1, and stop() removes the server and its directory', async () => {
    const before = ownClusters();
    const cluster = await startPostgres();
    const created = ownClusters().filter((n) => !before.includes(n));
    expect(created).toHaveLength(1);
    const url = await cluster.createDatabase();
    expect(url).toMatch(new RegExp(`^postgres://sc@127\\.0\\.0\\.1:${cluster.port}/t\\d+_\\d+$`));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect((await client.query('SHOW server_version_num')).rows[0].server_version_num >= '150000').toBe(true);
    await client.end();
    cluster.stop();
    expect(existsSync(join(tmpdir(), created[0]!))).toBe(false);
    expect(await answers(cluster.port)).toBe(false);
  });

  it("stops and removes a cluster whose test process was killed outright, at the next start", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', ORPHAN], { cwd: ROOT }).catch((err: { stdout: string }) => err);
    const port = Number(stdout.trim());
    expect(await answers(port)).toBe(true);
    const cluster = await startPostgres();
    expect(await answers(port)).toBe(false);
    cluster.stop();
  });
});
