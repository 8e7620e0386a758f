import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { acquirePostgres, releasePostgres } from '../../../test-support/databases.js';
import type { PostgresCluster } from '../../../test-support/postgres.js';
import { sleep, waitFor } from '../../../test-support/wait.js';
import { AdvisoryLockLeadership, alwaysLeader, SoleLeadership, type Leadership } from './leadership.js';

/** A piece of once-only work that counts its runs and says whether it runs now. */
function counter() {
  const state = { running: false, begun: 0, stopped: 0 };
  const begin = () => {
    state.running = true;
    state.begun++;
    return () => {
      state.running = false;
      state.stopped++;
    };
  };
  return { state, begin };
}

describe('SoleLeadership (one process on SQLite)', () => {
  it('leads from start to stop: work registered before and after start runs, and stops with it', async () => {
    const changes: boolean[] = [];
    const lead = new SoleLeadership(silentLogger(), (leader) => changes.push(leader));
    const before = counter();
    lead.whileLeader('before', before.begin);
    expect(before.state.running).toBe(false);
    await lead.start();
    expect(lead.isLeader()).toBe(true);
    expect(before.state).toEqual({ running: true, begun: 1, stopped: 0 });
    const after = counter();
    const release = lead.whileLeader('after', after.begin);
    expect(after.state.running).toBe(true);
    await release(); // a service's own stop: its work stops, and is not begun again
    expect(after.state).toEqual({ running: false, begun: 1, stopped: 1 });
    await lead.stop();
    expect(before.state).toEqual({ running: false, begun: 1, stopped: 1 });
    expect(lead.isLeader()).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('alwaysLeader runs the work at once and its release stops it once', async () => {
    const work = counter();
    const release = alwaysLeader.whileLeader('x', work.begin);
    expect(work.state.running).toBe(true);
    await release();
    await release();
    expect(work.state).toEqual({ running: false, begun: 1, stopped: 1 });
  });
});

describe('AdvisoryLockLeadership (several processes on one PostgreSQL)', () => {
  let cluster: PostgresCluster;
  let url: string;
  const started: Leadership[] = [];
  beforeAll(async () => {
    cluster = await acquirePostgres();
  }, 60_000);
  afterAll(() => releasePostgres());
  afterEach(async () => {
    for (const lead of started.splice(0)) await lead.stop();
  });

  const participant = async (key: number) => {
    const work = counter();
    const lead = new AdvisoryLockLeadership({ url, logger: silentLogger(), key, retryMs: 100, pingMs: 100, pingTimeoutMs: 1000 });
    lead.whileLeader('work', work.begin);
    started.push(lead);
    await lead.start();
    return { lead, work: work.state };
  };

  /** The backend holding the advisory lock `key`, as pg_locks shows it. */
  const holderPid = async (admin: pg.Client, key: number): Promise<number | null> => {
    const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [key]);
    return rows[0]?.pid ?? null;
  };

  it('one of two leads; when the leader stops the other takes over within a second or two', async () => {
    url = await cluster.createDatabase();
    const a = await participant(101);
    const b = await participant(101);
    expect(a.lead.isLeader()).toBe(true); // the first to try
    expect(b.lead.isLeader()).toBe(false);
    await sleep(400); // the standby keeps trying, and keeps failing
    expect([a.work.running, b.work.running]).toEqual([true, false]);
    expect(b.work.begun).toBe(0);
    const stoppedAt = Date.now();
    await a.lead.stop();
    expect(a.work).toEqual({ running: false, begun: 1, stopped: 1 });
    await waitFor(() => b.lead.isLeader(), 'the standby leading', 5000, 20);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    expect(b.work).toEqual({ running: true, begun: 1, stopped: 0 });
  });

  it('a leader whose session the server ends (pg_terminate_backend) stops its work at once, and the standby leads; never both', async () => {
    url = await cluster.createDatabase();
    const a = await participant(202);
    const b = await participant(202);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    let both = 0;
    const watch = setInterval(() => {
      if (a.work.running && b.work.running) both++;
    }, 5);
    try {
      const pid = await holderPid(admin, 202);
      expect(pid).not.toBeNull();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const killedAt = Date.now();
      await waitFor(() => !a.lead.isLeader(), 'the old leader giving up', 5000, 10);
      expect(a.work.running).toBe(false);
      await waitFor(() => b.lead.isLeader(), 'the standby leading', 5000, 20);
      expect(Date.now() - killedAt).toBeLessThan(3000);
      expect(b.work.running).toBe(true);
      // the old leader becomes a standby on a new connection: it does not lead again while b holds the lock
      await sleep(500);
      expect(a.lead.isLeader()).toBe(false);
      expect(await holderPid(admin, 202)).not.toBe(pid);
      expect(both).toBe(0);
      // the lock is held by the leader's own connection, not one of a pool
      const leaderPid = await holderPid(admin, 202);
      const keepalive = await admin.query<{ application_name: string }>('SELECT application_name FROM pg_stat_activity WHERE pid = $1', [leaderPid]);
      expect(keepalive.rows[0]?.application_name).toBe('sc-cloud leader');
    } finally {
      clearInterval(watch);
      await admin.end();
    }
  });

  it('with the database unreachable the start goes on and the process does not lead (nor run the work)', async () => {
    // a port nothing listens on: the first attempt fails (logged), start still resolves
    const work = counter();
    const lead = new AdvisoryLockLeadership({ url: cluster.url('postgres').replace(/:\d+\//, ':1/'), logger: silentLogger(), key: 303, retryMs: 100, pingTimeoutMs: 500 });
    lead.whileLeader('work', work.begin);
    started.push(lead);
    await lead.start();
    expect(lead.isLeader()).toBe(false);
    await sleep(300);
    expect(work.state.begun).toBe(0);
  });
});
