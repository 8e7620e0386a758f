import { createServer, type Server } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud } from '../../../test-support/cloud.js';
import { acquirePostgres, releasePostgres } from '../../../test-support/databases.js';
import type { PostgresCluster } from '../../../test-support/postgres.js';
import { LEADER_LOCK_KEY } from './leadership.js';

describe('a cloud whose start fails half-way on PostgreSQL', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await acquirePostgres();
  }, 60_000);
  afterAll(() => releasePostgres());

  it('frees the leader lock it took, so the next process leads', async () => {
    const url = await cluster.createDatabase();
    // the embedded broker's port is taken: the start fails after the leader lock was taken
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await expect(startTestCloud({ SC_DATABASE_URL: url, SC_MQTT_HOST: '127.0.0.1', SC_MQTT_PORT: port })).rejects.toThrow();
      const held = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [LEADER_LOCK_KEY]);
      expect(held.rows[0]).toEqual({ n: 0 });
      const next = await startTestCloud({ SC_DATABASE_URL: url });
      try {
        expect(next.cloud.leadership.isLeader()).toBe(true);
      } finally {
        await next.stop();
      }
    } finally {
      await admin.end();
      taken.close();
    }
  }, 120_000);
});
