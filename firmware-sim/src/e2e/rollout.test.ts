import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { testReleaseKey } from '../../../test-support/release-bundle.js';
import { buildRealEdgeBundle, deriveBundle, type RealBundle } from '../../../test-support/real-release.js';
import { waitFor } from '../../../test-support/wait.js';
import { readJsonFile, writeJsonDurable } from '../../../edge/src/supervisor/durable.js';
import { lastFailureSchema, supervisorStateSchema } from '../../../edge/src/supervisor/protocol.js';
import { NEVER_HEALTHY_ENTRY, startSupervisedBox, type SupervisedBox } from '../../../test-support/supervised-box.js';
import { startThrottledLink, type ThrottledLink } from '../../../test-support/throttled-link.js';

/**
 * Over-the-air update end to end: a real cloud, three boxes each run by the real sc-edge-supervisor (the
 * build, without systemd) in a home of its own, running the daemon of full release bundles built from
 * this tree by the release tooling (scripts/release-edge's builder: the built code, its production
 * node_modules and native modules). The bundle is built once; the other versions are derived from it
 * (same files, another version in package.json, signed again; the bad one with an entry that never
 * reports healthy), so every box runs real bundles from the first version to the last.
 */
const key = testReleaseKey();
const stranger = testReleaseKey();

describe('a release rolled out to three boxes under their supervisors', () => {
  let test: TestCloud;
  let work: string;
  let link: ThrottledLink;
  const boxes: SupervisedBox[] = [];
  /** 1.1.0 built from the tree; 1.0.0 (the boxes' first), 1.2.0 (never healthy) and a foreign-signed 1.1.0 derived from it. */
  const bundles: Record<'1.0.0' | '1.1.0' | '1.2.0' | 'foreign', RealBundle> = {} as never;
  const upload = async (file: string) => {
    const res = await fetch(`${test.cloud.httpUrl}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}` }, body: readFileSync(file) });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  };
  const rollout = async (id: string) => (await test.api('GET', `/api/v1/rollouts/${id}`)).body;
  const supervisorState = (box: SupervisedBox) => readJsonFile(box.layout.state, supervisorStateSchema);
  const reportedVersion = async (box: SupervisedBox)=> (await test.cloud.fleet.edges.find(box.edgeId))?.telemetry?.softwareVersion;

  beforeAll(async () => {
    test = await startTestCloud({ SC_ROLLOUT_TICK_MS: 200, SC_TELEMETRY_INTERVAL_S: 2 });
    work = mkdtempSync(join(tmpdir(), 'sc-e2e-rollout-'));
    writeJsonDurable(join(test.dataDir, 'keys', 'release-keys.json'), { format: 1, sequence: 0, keys: [key.publicKey] });
    // ~100 MB at 24 MiB/s: a download that lasts a few seconds, long enough to cut
    link = await startThrottledLink(Number(new URL(test.cloud.httpUrl).port), 24 * 1024 * 1024);
    bundles['1.1.0'] = await buildRealEdgeBundle({ version: '1.1.0', privateKeyPem: key.privateKeyPem, workDir: work });
    bundles['1.0.0'] = await deriveBundle(bundles['1.1.0'], join(work, '1.0.0.tar'), { version: '1.0.0', privateKeyPem: key.privateKeyPem });
    bundles['1.2.0'] = await deriveBundle(bundles['1.1.0'], join(work, '1.2.0.tar'), { version: '1.2.0', privateKeyPem: key.privateKeyPem, replace: { 'dist/cli.js': NEVER_HEALTHY_ENTRY } });
    bundles.foreign = await deriveBundle(bundles['1.1.0'], join(work, '1.1.0-foreign.tar'), { version: '1.1.0', privateKeyPem: stranger.privateKeyPem });
    for (const [i, hamletCode] of ['ap-1', 'ap-2', 'ap-3'].entries()) {
      boxes.push(
        await startSupervisedBox({
          cloudUrl: test.cloud.httpUrl,
          adminToken: test.adminToken,
          hamletCode,
          name: `Tủ ${hamletCode}`,
          // the first box reaches the cloud's HTTP through a slow link the test cuts
          httpUrl: i === 0 ? link.url : undefined,
          publicKeys: [key.publicKey],
          firstBundle: bundles['1.0.0'].path,
          firstVersion: '1.0.0',
          healthTimeoutS: 25,
        }),
      );
    }
    await waitFor(() => boxes.every(async (b) => (await reportedVersion(b)) === '1.0.0'), 'three boxes running 1.0.0', 60_000);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(boxes.map((b) => b.stop()));
    await link?.close();
    await test?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 120_000); // three homes of full bundles (~100 MB each release) to remove

  it('refuses a bundle signed with another key at upload, keeping nothing', async () => {
    const res = await upload(bundles.foreign.path);
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe('unknown_key');
    expect((await test.api('GET', '/api/v1/releases')).body.releases).toEqual([]);
  });

  it('rolls 1.1.0 out in two waves; the first box\'s download survives a cut link and resumes', async () => {
    expect((await upload(bundles['1.1.0'].path)).status).toBe(201);
    const created = await test.api('POST', '/api/v1/rollouts', { version: '1.1.0', scope: { kind: 'commune' }, waves: [1], soakS: 2 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // cut the first box's link once a third of the bundle is on its disk
    const downloads = join(boxes[0]!.layout.home, 'downloads');
    const partial = () => (existsSync(downloads) ? (readdirSync(downloads).map((n) => statSync(join(downloads, n)).size)[0] ?? 0) : 0);
    await waitFor(() => partial() > bundles['1.1.0'].bytes / 3, 'a third downloaded', 30_000, 20);
    link.cut();
    await new Promise((r) => setTimeout(r, 300));
    const kept = partial();
    await new Promise((r) => setTimeout(r, 1500));
    expect(partial()).toBe(kept); // nothing arrives while the link is down, and nothing was thrown away
    link.restore();
    const done = await waitFor(async () => ((await rollout(id)).state === 'completed' ? rollout(id) : null), 'rollout completed', 150_000, 500);
    expect(done.counts).toMatchObject({ healthy: 3, failed: 0, rolled_back: 0 });
    // resumed, not restarted: the slow link carried the bundle about once (plus the daemon's small HTTP exchanges)
    expect(link.forwarded()).toBeLessThan(bundles['1.1.0'].bytes * 1.25);
    for (const box of boxes) {
      expect(supervisorState(box)).toMatchObject({ current: '1.1.0', previous: '1.0.0', trial: null });
      await waitFor(async () => (await reportedVersion(box)) === '1.1.0', 'telemetry shows 1.1.0');
    }
  }, 200_000);

  it('a version that never reports healthy is rolled back by the box alone, reported, and the rollout pauses before the other boxes', async () => {
    expect((await upload(bundles['1.2.0'].path)).status).toBe(201);
    const created = await test.api('POST', '/api/v1/rollouts', { version: '1.2.0', scope: { kind: 'commune' }, waves: [1], soakS: 2 });
    const id = created.body.id as string;
    const paused = await waitFor(async () => ((await rollout(id)).state === 'paused' ? rollout(id) : null), 'rollout paused', 90_000, 500);
    const first = paused.boxes[0];
    expect(first.state).toBe('rolled_back');
    expect(first.reason).toMatch(/^health_timeout/);
    expect(first.logLines.join('\n')).toContain('cannot open the loudspeaker driver');
    expect(paused.pausedReason).toContain('health_timeout');
    expect(paused.boxes.slice(1).map((b: { state: string }) => b.state)).toEqual(['pending', 'pending']);
    const box = boxes.find((b) => b.edgeId === first.edgeId)!;
    expect(supervisorState(box)).toMatchObject({ current: '1.1.0', trial: null });
    expect(readJsonFile(box.layout.lastFailure, lastFailureSchema)).toMatchObject({ version: '1.2.0', reason: 'health_timeout' });
    for (const other of boxes.filter((b) => b !== box)) expect(existsSync(other.layout.releaseDir('1.2.0'))).toBe(false);
    await waitFor(async () => (await reportedVersion(box)) === '1.1.0', 'the box runs 1.1.0 again');
  }, 120_000);
});
