/**
 * Two real `sc-cloud` processes on one PostgreSQL: the leader puts an operator's live session on air
 * and is SIGKILLed; the other process, leading now, ends the session as interrupted within seconds
 * (its owner stopped beating), frees its place, and purges the dead process's row.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudBinProcesses, type CloudBinProcess as Proc } from '../../../test-support/cloud-process.js';
import { acquirePostgres, releasePostgres } from '../../../test-support/databases.js';
import type { PostgresCluster } from '../../../test-support/postgres.js';
import { freePort } from '../../../test-support/ports.js';
import { haproxyProcess } from '../../../test-support/cluster/haproxy.js';
import { waitFor } from '../../../test-support/wait.js';

const PASSWORD = 'dead-owner-test-password';


describe('a cloud process killed with a live session on air', () => {
  let cluster: PostgresCluster;
  const clouds = new CloudBinProcesses();
  const tempDir = (prefix: string) => clouds.tempDir(prefix);
  const startProcess = async (url: string, secretsDir: string): Promise<Proc> =>
    clouds.start({
      secretsDir,
      dataPrefix: 'sc-dead-owner-data-',
      env: {
        SC_DATABASE_URL: url,
        SC_MQTT_HOST: '127.0.0.1',
        SC_MQTT_PORT: String(await freePort()),
        SC_ADMIN_PASSWORD: PASSWORD,
        // beats every 0.5 s, dead after 2 s: the test's "within seconds" with room to spare
        SC_PROCESS_BEAT_S: '0.5',
        SC_PROCESS_DEAD_AFTER_S: '2',
        // no microphone socket in this test: the session's own link watchdog must not end it first
        SC_LIVE_VOICE_LINK_GRACE_S: '60',
      },
    });
  beforeAll(async () => {
    cluster = await acquirePostgres();
  }, 60_000);
  afterAll(async () => {
    await clouds.cleanup();
    await releasePostgres();
  });


  const call = async (p: Proc, method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${p.httpUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('ends its session interrupted within seconds through the other process, and its place among the 8 is free again', async () => {
    const url = await cluster.createDatabase();
    const secrets = tempDir('sc-dead-owner-secrets-');
    const a = await startProcess(url, secrets);
    const b = await startProcess(url, secrets);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const now = Date.now();
      await db.query("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES ('edg_1', 'edg_1', 'ap-1', 'active', $1, $1)", [now]);
      const processes = async () => (await db.query<{ id: string; pid: number }>('SELECT id, pid::int AS pid FROM cloud_processes ORDER BY started_at')).rows;
      expect((await processes()).map((p) => p.pid)).toEqual([a.child.pid, b.child.pid]);
      const ownerA = (await processes())[0]!.id;

      // the leader (A, started first) puts a session on air; seven more fill the cap through B
      const tokenA = (await call(a, 'POST', '/api/v1/auth/token', { username: 'admin', password: PASSWORD })).body.token as string;
      const started = await call(a, 'POST', '/api/v1/radio/live', { title: 'Thông báo khẩn', priority: 'normal', targets: { hamlets: ['ap-1'] } }, tokenA);
      expect(started.status).toBe(201);
      const sessionId = started.body.id as string;
      const row = async () =>
        (await db.query<{ ended_at: string | null; end_reason: string | null; end_detail: string | null; owner_process: string }>('SELECT ended_at, end_reason, end_detail, owner_process FROM live_sessions WHERE id = $1', [sessionId])).rows[0]!;
      expect(await row()).toMatchObject({ ended_at: null, owner_process: ownerA });
      const tokenB = (await call(b, 'POST', '/api/v1/auth/token', { username: 'admin', password: PASSWORD })).body.token as string;
      // read anywhere: the session is a row of the shared database
      expect((await call(b, 'GET', `/api/v1/radio/live/${sessionId}`, undefined, tokenB)).body).toMatchObject({ status: 'on_air' });
      // what only the owner can do answers 503 held_elsewhere on B (a client, or HAProxy's retry-on 503, tries again)
      const stopOnB = await call(b, 'POST', `/api/v1/radio/live/${sessionId}/stop`, undefined, tokenB);
      expect(stopOnB.status).toBe(503);
      expect(stopOnB.body.error).toMatchObject({ code: 'held_elsewhere' });
      expect((await call(b, 'GET', `/api/v1/radio/live/${sessionId}/voice`, undefined, tokenA)).status).toBe(503);
      // through HAProxy as the cluster's config writes it (retry-on 503, redispatch): a request that lands on B
      // goes on to A, so none of them sees held_elsewhere (A answers the socket-less GET with its own refusal)
      const haproxyPort = await freePort();
      const haproxy = haproxyProcess(tempDir('sc-dead-owner-haproxy-'), haproxyPort, await freePort(), [
        { name: 'a', port: Number(new URL(a.httpUrl).port) },
        { name: 'b', port: Number(new URL(b.httpUrl).port) },
      ]);
      await haproxy.start();
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) statuses.push((await call({ httpUrl: `http://127.0.0.1:${haproxyPort}` } as Proc, 'GET', `/api/v1/radio/live/${sessionId}/voice`, undefined, tokenA)).status);
        expect(statuses.filter((status) => status === 503)).toEqual([]);
      } finally {
        await haproxy.stop();
      }
      expect(await row()).toMatchObject({ ended_at: null });
      for (let i = 0; i < 7; i++) expect((await call(b, 'POST', '/api/v1/radio/live', { title: `Phiên ${i}`, priority: 'normal', targets: { hamlets: ['ap-1'] } }, tokenB)).status).toBe(201);
      expect((await call(b, 'POST', '/api/v1/radio/live', { title: 'Phiên thứ chín', priority: 'normal', targets: { hamlets: ['ap-1'] } }, tokenB)).status).toBe(409);

      a.child.kill('SIGKILL');
      const killedAt = Date.now();
      await a.exited;
      await waitFor(async () => (await row()).ended_at !== null, 'the session of the killed process ended', 15_000, 100);
      const endedAfterMs = Date.now() - killedAt;
      expect(endedAfterMs).toBeLessThan(8_000);
      expect(await row()).toMatchObject({ end_reason: 'interrupted', end_detail: 'the cloud stopped during the session' });
      expect((await call(b, 'GET', `/api/v1/radio/live/${sessionId}`, undefined, tokenB)).body).toMatchObject({ status: 'ended', endReason: 'interrupted' });
      expect(b.output().split('\n').some((line) => line.includes('stopped beating') && line.includes(sessionId))).toBe(true);
      // B's own sessions are untouched, the place is free, and the dead process's row is gone
      expect((await db.query('SELECT count(*)::int AS n FROM live_sessions WHERE ended_at IS NULL')).rows[0]).toEqual({ n: 7 });
      expect((await call(b, 'POST', '/api/v1/radio/live', { title: 'Phiên thứ tám', priority: 'normal', targets: { hamlets: ['ap-1'] } }, tokenB)).status).toBe(201);
      await waitFor(async () => (await processes()).length === 1, "the dead process's row purged", 10_000, 100);
      expect((await processes()).map((p) => p.pid)).toEqual([b.child.pid]);
    } finally {
      await db.end();
    }
  }, 180_000);
});
