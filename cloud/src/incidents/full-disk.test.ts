import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SHA256_HEADER, incidentEventSchema, incidentMediaPath, newId, topics } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { openEdgeDatabase } from '../../../edge/src/db/database.js';
import { IncidentStore as EdgeIncidentStore } from '../../../edge/src/incidents/incident-store.js';
import { MediaUploader } from '../../../edge/src/incidents/uploader.js';
import { sleep, waitFor } from '../../../test-support/wait.js';
import { incidentEvent, sha256, SNAPSHOT } from './testing/incident-kit.js';

const CHILD = fileURLToPath(new URL('./testing/full-disk-cloud.mjs', import.meta.url));

/**
 * A cloud (from dist) in its own mount namespace, with a tmpfs of fixed size where the test puts
 * it: `unshare -m` keeps the mount private to the child, so nothing on the machine fills up.
 */
class CloudOnSmallDisk {
  private readonly lines: AsyncIterator<string>;
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(dataDir: string, mountDir: string, size: string, budgetBytes: number) {
    const child = spawn('unshare', ['-m', '--propagation', 'private', process.execPath, CHILD, dataDir, mountDir, size, String(budgetBytes)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const cloud = new CloudOnSmallDisk(child);
    const started = await cloud.next().catch((err: Error) => {
      throw new Error(`the cloud on a small disk did not start: ${err.message}\n${stderr}`);
    });
    return Object.assign(cloud, started as { httpUrl: string; mqttUrl: string });
  }

  async next(): Promise<Record<string, unknown>> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the child exited');
    return JSON.parse(value as string);
  }

  async send(command: 'fill' | 'free'): Promise<{ freeBytes: number }> {
    this.child.stdin.write(`${command}\n`);
    return (await this.next()) as { freeBytes: number };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.write('stop\n');
    await exited;
  }
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

describe('a full disk never stops the cloud', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('media store full: uploads get 507 and the box keeps its file and retries; alerts, bulletins and the queue keep working', async () => {
    const dataDir = tempDir('sc-fulldisk-');
    const cloud = await CloudOnSmallDisk.start(dataDir, join(dataDir, 'incidents'), '8m', 1024 ** 3);
    cleanup.push(() => cloud.stop());
    const api = (method: string, path: string, body?: unknown, token?: string) => call(cloud.httpUrl, method, path, body, token);
    const admin = (await api('POST', '/api/v1/auth/token', { username: 'admin', password: 'test-admin-password' })).body.token as string;

    // a claimed box reports an incident over MQTT with its own credentials
    const edge = (await api('POST', '/api/v1/edges', { name: 'Tủ ấp 1', hamletCode: 'ap-1' }, admin)).body.id as string;
    const claimToken = (await api('POST', `/api/v1/edges/${edge}/claim-tokens`, undefined, admin)).body.token as string;
    const password = (await api('POST', '/api/v1/provision/claim', { token: claimToken })).body.mqtt.password as string;
    const event = incidentEvent({ snapshot: { sha256: sha256(SNAPSHOT), bytes: SNAPSHOT.length } });
    const mqtt = await connectAsync(cloud.mqttUrl, { protocolVersion: 4, clientId: edge, username: edge, password, reconnectPeriod: 0 });
    cleanup.push(() => mqtt.endAsync());
    await mqtt.publishAsync(topics.event(edge, 'incident'), JSON.stringify({ eventId: newId('evt', 16), ts: Date.now(), body: event }), { qos: 1 });
    await waitFor(async () => (await api('GET', `/api/v1/incidents/${event.incidentId}`, undefined, admin)).status === 200, 'the incident in the cloud');

    const filled = await cloud.send('fill');
    expect(filled.freeBytes).toBeLessThan(SNAPSHOT.length);

    // the box's real uploader, with its SQLite queue: 507 is a failure it retries, the file stays
    const edgeDir = tempDir('sc-fulldisk-edge-');
    const edgeDb = openEdgeDatabase(edgeDir);
    cleanup.push(() => void edgeDb.close());
    const snapshotPath = join(edgeDir, 'snapshot.jpg');
    writeFileSync(snapshotPath, SNAPSHOT);
    const store = new EdgeIncidentStore(edgeDb);
    store.insert(incidentEventSchema.parse(event), snapshotPath, 'none');
    const uploader = new MediaUploader({ cloudUrl: cloud.httpUrl, credentials: () => ({ username: edge, password }), store, logger: silentLogger(), intervalMs: 60_000 });
    uploader.start();
    cleanup.push(() => uploader.stop());
    const uploadError = () => (edgeDb.prepare('SELECT upload_error FROM incidents WHERE id = ?').pluck().get(event.incidentId) as string | null) ?? '';
    await waitFor(() => uploadError().startsWith('HTTP 507'), 'the upload deferred with 507');
    expect(uploadError()).toContain("the cloud's disk is full");
    expect(store.pendingCount()).toBe(1);
    expect(existsSync(snapshotPath)).toBe(true);

    // what the box was told, plainly
    const put = await fetch(`${cloud.httpUrl}${incidentMediaPath(event.incidentId, 'snapshot')}`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${edge}:${password}`).toString('base64')}`, 'content-type': 'image/jpeg', [CONTENT_SHA256_HEADER]: sha256(SNAPSHOT) },
      body: new Uint8Array(SNAPSHOT),
    });
    expect(put.status).toBe(507);
    expect(((await put.json()) as { error: unknown }).error).toMatchObject({ code: 'disk_full', message: expect.stringContaining("the cloud's disk is full") });

    // the database lives elsewhere: radio and review go on
    const alert = await api('POST', '/api/v1/alerts', { text: 'Nước lên nhanh, bà con di chuyển lên chỗ cao.', severity: 'severe', kind: 'flood', targets: { hamlets: ['ap-1'] }, expiresAt: Date.now() + 3600_000 }, admin);
    expect(alert.status, JSON.stringify(alert.body)).toBeLessThan(300);
    expect((await api('POST', '/api/v1/bulletins', { title: 'Họp dân', text: 'Tối nay HTX họp dân.' }, admin)).status).toBe(201);
    expect((await api('PATCH', `/api/v1/incidents/${event.incidentId}`, { status: 'reviewing' }, admin)).status).toBe(200);
    expect((await api('GET', '/healthz')).status).toBe(200);

    // room again: the box's next try is stored
    await cloud.send('free');
    uploader.retryNow();
    await waitFor(() => store.pendingCount() === 0, 'the deferred upload delivered');
    expect((await api('GET', `/api/v1/incidents/${event.incidentId}`, undefined, admin)).body.snapshot).toMatchObject({ sha256: sha256(SNAPSHOT), verified: true });
  }, 90_000);

  it('database disk full: writes answer 507 disk_full naming the cause, boxes\' messages are refused unacknowledged, reads go on, all works again once there is room', async () => {
    const dataDir = tempDir('sc-fulldisk-db-');
    const cloud = await CloudOnSmallDisk.start(dataDir, dataDir, '32m', 1024 ** 3);
    cleanup.push(() => cloud.stop());
    const api = (method: string, path: string, body?: unknown, token?: string) => call(cloud.httpUrl, method, path, body, token);
    const admin = (await api('POST', '/api/v1/auth/token', { username: 'admin', password: 'test-admin-password' })).body.token as string;
    const edge = (await api('POST', '/api/v1/edges', { name: 'Tủ ấp 1', hamletCode: 'ap-1' }, admin)).body.id as string;
    const claimToken = (await api('POST', `/api/v1/edges/${edge}/claim-tokens`, undefined, admin)).body.token as string;
    const password = (await api('POST', '/api/v1/provision/claim', { token: claimToken })).body.mqtt.password as string;
    const connect = () => connectAsync(cloud.mqttUrl, { protocolVersion: 4, clientId: edge, username: edge, password, reconnectPeriod: 0 });
    await cloud.send('fill');

    // a box's incident: acknowledging it would lose it, so the broker refuses it and the box keeps it
    const event = incidentEvent();
    const message = JSON.stringify({ eventId: newId('evt', 16), ts: Date.now(), body: event });
    const refusedLink = await connect();
    const closed = new Promise<void>((resolve) => refusedLink.once('close', () => resolve()));
    const acked = refusedLink.publishAsync(topics.event(edge, 'incident'), message, { qos: 1 }).then(
      () => true,
      () => false,
    );
    const outcome = await Promise.race([closed.then(() => 'closed'), acked.then((ok) => (ok ? 'acknowledged' : 'failed')), sleep(10_000).then(() => 'nothing')]);
    refusedLink.end(true);
    expect(outcome).toBe('closed');
    expect(await Promise.race([acked, sleep(500).then(() => false)])).toBe(false);
    expect((await api('GET', `/api/v1/incidents/${event.incidentId}`, undefined, admin)).status).toBe(404);

    // a few writes may still fit in pages SQLite already holds; the first that needs a new one is refused plainly
    let refused: { status: number; body: { error: { code: string; message: string } } } | null = null;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await api('POST', '/api/v1/users', { username: `viewer-${i}`, displayName: `Người xem ${i}`, role: 'viewer', password: `password-viewer-${i}`, mustChangePassword: false }, admin);
      if (res.status !== 201) refused = res;
    }
    expect(refused?.status, JSON.stringify(refused)).toBe(507);
    expect(refused!.body.error).toMatchObject({ code: 'disk_full', message: expect.stringContaining("the cloud's disk is full: nothing was saved") });
    expect((await api('GET', '/healthz')).status).toBe(200);
    expect((await api('GET', '/api/v1/hamlets', undefined, admin)).status).toBe(200);
    expect((await api('GET', '/api/v1/users', undefined, admin)).status).toBe(200);

    await cloud.send('free');
    // the box sends it again (its outbox kept it) and now it is stored
    await sleep(1100); // the broker reads the free space at most once a second
    const link = await connect();
    cleanup.push(() => link.endAsync());
    await link.publishAsync(topics.event(edge, 'incident'), message, { qos: 1 });
    await waitFor(async () => (await api('GET', `/api/v1/incidents/${event.incidentId}`, undefined, admin)).status === 200, 'the incident stored once there is room');
    const again = await api('POST', '/api/v1/alerts', { text: 'Thử lại sau khi dọn đĩa.', severity: 'minor', kind: 'other', targets: { hamlets: ['ap-1'] }, expiresAt: Date.now() + 3600_000 }, admin);
    expect(again.status, JSON.stringify(again.body)).toBeLessThan(300);
  }, 90_000);
});
