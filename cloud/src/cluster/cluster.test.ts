/**
 * Two real `sc-cloud` processes (the bin, as an operator runs it) on one PostgreSQL, each with its own
 * data dir and embedded broker: one leads (sc_cluster_leader, the watchdog's effects and log lines),
 * the other takes over within seconds when the leader is SIGKILLed, a process starting sets no box
 * offline, and a start without the secrets every process must share is refused naming them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudBinProcesses, runCloudBinOnce, type CloudBinProcess as Proc } from '../../../test-support/cloud-process.js';
import { acquirePostgres, releasePostgres } from '../../../test-support/databases.js';
import type { PostgresCluster } from '../../../test-support/postgres.js';
import { freePort } from '../../../test-support/ports.js';
import { sharedSecretsEnv } from '../../../test-support/shared-secrets.js';
import { waitFor } from '../../../test-support/wait.js';

describe('several sc-cloud processes on one PostgreSQL', () => {
  let cluster: PostgresCluster;
  const clouds = new CloudBinProcesses();
  const tempDir = (prefix: string) => clouds.tempDir(prefix);
  const startProcess = async (url: string, secretsDir: string): Promise<Proc> =>
    clouds.start({
      secretsDir,
      dataPrefix: 'sc-cluster-data-',
      env: { SC_DATABASE_URL: url, SC_MQTT_HOST: '127.0.0.1', SC_MQTT_PORT: String(await freePort()), SC_ADMIN_PASSWORD: 'cluster-test-password' },
    });
  beforeAll(async () => {
    cluster = await acquirePostgres();
  }, 60_000);
  afterAll(async () => {
    await clouds.cleanup();
    await releasePostgres();
  });


  /** sc_cluster_leader from the process's /metrics. */
  const leaderGauge = async (p: Proc): Promise<number | null> => {
    const text = await fetch(`${p.httpUrl}/metrics`).then((res) => res.text(), () => '');
    const match = /^sc_cluster_leader (\d)$/m.exec(text);
    return match ? Number(match[1]) : null;
  };

  /** Log lines (pino JSON) of the process whose message contains `text`. */
  const logged = (p: Proc, text: string) =>
    p
      .output()
      .split('\n')
      .filter((line) => line.includes(text));

  it('one leads and runs the watchdog; the other takes over within seconds of a SIGKILL; starting sets no box offline', async () => {
    const url = await cluster.createDatabase();
    const secrets = tempDir('sc-cluster-secrets-');
    const a = await startProcess(url, secrets);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const box = async (id: string, lastSeenAt: number, intervalS: number | null) => {
        const now = Date.now();
        await db.query("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES ($1, $1, 'ap-1', 'active', $2, $2)", [id, now]);
        await db.query('INSERT INTO edge_state (edge_id, online, last_seen_at, telemetry) VALUES ($1, 1, $2, $3)', [id, lastSeenAt, intervalS === null ? null : JSON.stringify({ intervalS })]);
      };
      const state = async (id: string) => (await db.query<{ online: number; offline_reason: string | null }>('SELECT online::int AS online, offline_reason FROM edge_state WHERE edge_id = $1', [id])).rows[0];

      // a box connected (to a broker that outlives the processes): heard a moment ago, reporting hourly
      await box('kept', Date.now(), 3600);
      const b = await startProcess(url, secrets);
      expect(await state('kept')).toEqual({ online: 1, offline_reason: null }); // B's start did not touch it
      expect(await leaderGauge(a)).toBe(1);
      expect(await leaderGauge(b)).toBe(0);
      expect(logged(a, 'this process is the leader now')).toHaveLength(1);
      expect(logged(b, 'this process is the leader now')).toHaveLength(0);

      // a box silent for a minute (3 heartbeats of 10 s): the leader's watchdog, and only it, marks it offline
      await box('stale-1', Date.now() - 60_000, null);
      await waitFor(async () => (await state('stale-1'))?.online === 0, 'the watchdog marking stale-1 offline', 10_000, 100);
      expect((await state('stale-1'))?.offline_reason).toBe('missed 3 heartbeats');
      await waitFor(() => logged(a, 'missed heartbeats').some((line) => line.includes('stale-1')), 'the leader logging stale-1', 5000);
      expect(logged(b, 'missed heartbeats')).toHaveLength(0);

      // the leader dies without a word: its session ends, the lock is free, B leads within seconds
      a.child.kill('SIGKILL');
      const killedAt = Date.now();
      await a.exited;
      await waitFor(async () => (await leaderGauge(b)) === 1, 'B leading after A was killed', 10_000, 100);
      const takeoverMs = Date.now() - killedAt;
      expect(takeoverMs).toBeLessThan(5000);
      await box('stale-2', Date.now() - 60_000, null);
      await waitFor(async () => (await state('stale-2'))?.online === 0, 'the new leader marking stale-2 offline', 10_000, 100);
      expect(logged(b, 'missed heartbeats').some((line) => line.includes('stale-2'))).toBe(true);

      // A comes back: a standby now, and its start sets nobody offline either
      const again = await startProcess(url, secrets);
      expect(await leaderGauge(again)).toBe(0);
      expect(await leaderGauge(b)).toBe(1);
      expect(await state('kept')).toEqual({ online: 1, offline_reason: null });
    } finally {
      await db.end();
    }
  }, 240_000);

  it('refuses to start on PostgreSQL without the secrets every process shares, naming each', async () => {
    // checked before the database is opened: no PostgreSQL needed to be told
    const bare = await runCloudBinOnce({ SC_DATABASE_URL: 'postgres://sc@127.0.0.1:1/none', SC_DATA_DIR: tempDir('sc-cluster-bare-'), SC_ADMIN_PASSWORD: 'cluster-test-password' });
    expect(bare.code).toBe(2);
    for (const name of ['SC_SERVICE_PASSWORD', 'SC_SECRET_KEY', 'SC_EXPORT_SIGNING_KEY_FILE', 'SC_VAPID_PUBLIC_KEY']) expect(bare.output).toContain(name);
    // a key file named but not there is not generated either
    const secrets = sharedSecretsEnv(tempDir('sc-cluster-secrets-'));
    const noFile = await runCloudBinOnce({ ...secrets, SC_EXPORT_SIGNING_KEY_FILE: '/nonexistent/export.pem', SC_DATABASE_URL: 'postgres://sc@127.0.0.1:1/none', SC_DATA_DIR: tempDir('sc-cluster-bare-') });
    expect(noFile.code).toBe(2);
    expect(noFile.output).toContain('SC_EXPORT_SIGNING_KEY_FILE: the file /nonexistent/export.pem does not exist');
    expect(noFile.output).not.toContain('SC_SECRET_KEY');
    // everything shared given, but no admin password for an empty database: refused, and nothing written in it
    const url = await cluster.createDatabase();
    const noAdmin = await runCloudBinOnce({ ...secrets, SC_DATABASE_URL: url, SC_DATA_DIR: tempDir('sc-cluster-bare-'), SC_HTTP_PORT: '0', SC_MQTT_PORT: '0' });
    expect(noAdmin.code).toBe(2);
    expect(noAdmin.output).toContain('SC_ADMIN_PASSWORD is not set and the database has no user yet');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      expect((await db.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 0 });
    } finally {
      await db.end();
    }
  }, 120_000);
});
