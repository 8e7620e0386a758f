import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type UpdateEvent } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { testReleaseKey, writeTestBundle } from '../../../test-support/release-bundle.js';
import { waitFor } from '../../../test-support/wait.js';
import { assignWaves } from './rollout-engine.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';

const page = async (path: string, token = test.adminToken) => {
  const res = await test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  return { status: res.status, text: await res.text() };
};

const province = testReleaseKey();
let test: TestCloud;
let work: string;
const boxes: string[] = [];

/** A box's report, through the same path as one arriving over MQTT (stored once, then on the bus), handled by every domain. */
async function report(edgeId: string, body: Omit<UpdateEvent, 'runningVersion'> & { runningVersion?: string }) {
  await test.cloud.fleet.events.record(edgeId, 'update', { eventId: newId('evt', 16), ts: Date.now(), body: { runningVersion: '1.0.0', ...body } });
  await test.cloud.events.settled();
}

const releaseDoc = async (edgeId: string)=> (await test.cloud.fleet.documents.get(edgeId, 'release'))?.body.target ?? null;
const rollout = async (id: string) => (await test.api('GET', `/api/v1/rollouts/${id}`)).body;

async function startCloud(dataDir?: string) {
  test = await startTestCloud({ SC_ROLLOUT_TICK_MS: 50 }, dataDir);
}

beforeAll(async () => {
  await startCloud();
  work = mkdtempSync(join(tmpdir(), 'sc-rollout-'));
  mkdirSync(join(test.dataDir, 'keys'), { recursive: true });
  writeFileSync(join(test.dataDir, 'keys', 'release-keys.json'), JSON.stringify([province.publicKey]));
  for (const version of ['2.0.0', '2.1.0']) {
    const file = join(work, `${version}.tar`);
    await writeTestBundle(file, { version, arch: 'x64', privateKeyPem: province.privateKeyPem });
    const res = await fetch(`${test.cloud.httpUrl}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}` }, body: await import('node:fs').then((fs) => fs.readFileSync(file)) });
    expect(res.status).toBe(201);
  }
  for (const hamlet of ['ap-1', 'ap-1', 'ap-2', 'ap-3']) boxes.push((await claimTestEdge(test, hamlet, `Tủ ${boxes.length + 1}`)).edgeId);
});
afterAll(async () => {
  await test.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('waves', () => {
  it('puts the given sizes first and the rest in a last wave', () => {
    expect(assignWaves(5, [])).toEqual([0, 0, 0, 0, 0]);
    expect(assignWaves(5, [1])).toEqual([0, 1, 1, 1, 1]);
    expect(assignWaves(6, [1, 2])).toEqual([0, 1, 1, 2, 2, 2]);
    expect(assignWaves(2, [3])).toEqual([0, 0]);
  });
});

describe('a rollout in waves', () => {
  let id: string;

  it('sends the release to the first wave only, as each box\'s desired document', async () => {
    const res = await test.api('POST', '/api/v1/rollouts', { version: '2.0.0', scope: { kind: 'commune' }, waves: [1], soakS: 1, failureThreshold: 0 });
    expect(res.status).toBe(201);
    id = res.body.id;
    expect(res.body).toMatchObject({ state: 'running', wave: 0, waveCount: 2, total: 4, counts: { sent: 1, pending: 3 } });
    expect(await releaseDoc(boxes[0]!)).toMatchObject({ version: '2.0.0', rolloutId: id, bundles: [{ arch: 'x64', path: '/api/v1/device/releases/2.0.0/x64/bundle' }] });
    expect(await releaseDoc(boxes[1]!)).toBeNull();
  });

  it('refuses a second rollout to a box already in one', async () => {
    const res = await test.api('POST', '/api/v1/rollouts', { version: '2.1.0', scope: { kind: 'edges', edgeIds: [boxes[2]] } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(boxes[2]);
  });

  it('follows the box\'s reports and starts the next wave once the first has been healthy for the soak time', async () => {
    await report(boxes[0]!, { phase: 'downloading', version: '2.0.0', rolloutId: id, bytesDone: 10, bytesTotal: 100 });
    await waitFor(async () => (await rollout(id)).boxes[0].state === 'downloading', 'downloading');
    expect((await rollout(id)).boxes[0]).toMatchObject({ bytesDone: 10, bytesTotal: 100 });
    await report(boxes[0]!, { phase: 'running', version: '2.0.0', rolloutId: id, runningVersion: '2.0.0' });
    await waitFor(async () => (await rollout(id)).boxes[0].state === 'healthy', 'healthy');
    // the soak (1 s) has not passed yet
    expect((await rollout(id)).wave).toBe(0);
    const next = await waitFor(async () => ((await rollout(id)).wave === 1 ? rollout(id) : null), 'second wave', 5000);
    expect(next.counts).toMatchObject({ healthy: 1, sent: 3 });
    for (const edgeId of boxes.slice(1)) expect((await releaseDoc(edgeId))?.version).toBe('2.0.0');
  });

  it('pauses by itself when a box of the wave rolls back, takes the release back from the others, and shows why', async () => {
    await report(boxes[1]!, { phase: 'switching', version: '2.0.0', rolloutId: id });
    await report(boxes[2]!, { phase: 'rolled_back', version: '2.0.0', rolloutId: null, reason: 'health_timeout: loudspeakers reachable 0/1', logLines: ['{"level":50,"msg":"speaker unreachable"}'] });
    const paused = await waitFor(async () => ((await rollout(id)).state === 'paused' ? rollout(id) : null), 'auto pause');
    expect(paused.pausedReason).toContain('1 of 3 boxes failed');
    expect(paused.pausedReason).toContain('health_timeout');
    const failed = paused.boxes.find((b: { edgeId: string }) => b.edgeId === boxes[2]);
    expect(failed).toMatchObject({ state: 'rolled_back', reason: 'health_timeout: loudspeakers reachable 0/1', logLines: ['{"level":50,"msg":"speaker unreachable"}'] });
    // the box that had not started switching is told to stay; the one switching cannot be stopped
    expect(paused.boxes.find((b: { edgeId: string }) => b.edgeId === boxes[3]).state).toBe('pending');
    expect(await releaseDoc(boxes[3]!)).toBeNull();
    expect(paused.boxes.find((b: { edgeId: string }) => b.edgeId === boxes[1]).state).toBe('switching');
    expect((await test.cloud.audit.page({ action: 'rollout.auto_paused' }, 5, 0)).total).toBe(1);
  });

  it('shows the console each box\'s version, the progress and every failure with its reason (actions for an admin only)', async () => {
    const list = await page('/fleet/releases');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Cập nhật phần mềm');
    expect(list.text).toContain('Tạm dừng vì: wave 2');
    expect(list.text).toContain('data-verb="resume"');
    expect(list.text).toMatch(/<td class="version">[^<]+<\/td>/);
    const detail = await page(`/fleet/rollouts/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('Đã quay về bản cũ');
    expect(detail.text).toContain('health_timeout: loudspeakers reachable 0/1');
    expect(detail.text).toContain('speaker unreachable');
    await test.api('POST', '/api/v1/users', { username: 'tech-r', role: 'technician', password: 'password-tech-r', mustChangePassword: false });
    const tech = await test.login('tech-r', 'password-tech-r');
    const seen = await page(`/fleet/rollouts/${id}`, tech);
    expect(seen.status).toBe(200);
    expect(seen.text).not.toContain('data-verb="resume"');
    expect((await page('/fleet/rollouts/rol_nope')).status).toBe(404);
  });

  it('carries on after a cloud restart: resumed by an admin, completes once the wave has soaked', async () => {
    const dataDir = test.dataDir;
    await test.stop({ keepData: true });
    await startCloud(dataDir);
    const resumed = await test.api('POST', `/api/v1/rollouts/${id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('running');
    expect((await releaseDoc(boxes[3]!))?.version).toBe('2.0.0');
    await report(boxes[1]!, { phase: 'running', version: '2.0.0', rolloutId: id, runningVersion: '2.0.0' });
    await report(boxes[3]!, { phase: 'running', version: '2.0.0', rolloutId: id, runningVersion: '2.0.0' });
    const done = await waitFor(async () => ((await rollout(id)).state === 'completed' ? rollout(id) : null), 'completed', 5000);
    expect(done.counts).toMatchObject({ healthy: 3, rolled_back: 1 });
    expect(done.finishedAt).toBeGreaterThan(0);
  });

  it('cancels: boxes that have not switched keep their version', async () => {
    const res = await test.api('POST', '/api/v1/rollouts', { version: '2.1.0', scope: { kind: 'hamlet', hamletCode: 'ap-1' }, soakS: 60 });
    expect(res.body.total).toBe(2);
    await report(boxes[0]!, { phase: 'downloading', version: '2.1.0', rolloutId: res.body.id, bytesDone: 1, bytesTotal: 9 });
    const cancelled = await test.api('POST', `/api/v1/rollouts/${res.body.id}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', counts: { cancelled: 2 } });
    expect(await releaseDoc(boxes[0]!)).toBeNull();
    expect((await test.api('POST', `/api/v1/rollouts/${res.body.id}/resume`)).status).toBe(409);
    // a release with no rollout under way may be deleted
    expect((await test.api('DELETE', '/api/v1/releases/2.1.0/x64')).status).toBe(204);
  });
});
