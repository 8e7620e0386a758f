import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBundlePath } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, TEST_BACKOFF } from '../../../test-support/edge.js';
import { testReleaseKey, writeTestBundle } from '../../../test-support/release-bundle.js';
import { waitFor } from '../../../test-support/wait.js';
import { loadCredentials } from '../config.js';
import { startEdgeDaemon, type EdgeDaemon } from '../daemon.js';
import { readJsonFile, writeJsonDurable } from '../supervisor/durable.js';
import { switchRequestSchema } from '../supervisor/protocol.js';
import { createFakeHome, type FakeHome } from '../supervisor/testing/fake-versions.js';
import { downloadBundle, DownloadRefused } from './download.js';
import { notQuietBecause } from './quiet.js';
import type { PlayerStatus } from '../radio/player.js';

const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';

describe('a quiet moment', () => {
  const idle: PlayerStatus = { playing: null, queued: [], speakers: [] };
  const now = 1_000_000;
  it('is now when nothing plays, waits to resume or is due within a minute', () => {
    expect(notQuietBecause(idle, now)).toBeNull();
    expect(notQuietBecause({ ...idle, queued: [{ occurrenceId: 'o', startAt: now + 61_000, priority: 'normal', status: 'pending', ready: true, problem: null }] }, now)).toBeNull();
  });
  it('is not while an item plays, one waits to resume, or one is due within 60 s', () => {
    expect(notQuietBecause({ ...idle, playing: { occurrenceId: 'o', title: 'Tin khẩn', priority: 'emergency', actualStartAt: now, zones: ['main'] } }, now)).toContain('emergency');
    expect(notQuietBecause({ ...idle, queued: [{ occurrenceId: 'o', startAt: now - 5000, priority: 'normal', status: 'suspended', ready: true, problem: null }] }, now)).toContain('resume');
    expect(notQuietBecause({ ...idle, queued: [{ occurrenceId: 'o', startAt: now + 30_000, priority: 'normal', status: 'pending', ready: true, problem: null }] }, now)).toContain('starts in 30 s');
  });
});

describe('the box updating itself through a rollout', () => {
  let test: TestCloud;
  let home: FakeHome;
  let work: string;
  let edgeId: string;
  let dataDir: string;
  let daemon: EdgeDaemon | null = null;
  let switches = 0;
  const stranger = testReleaseKey();

  const start = async () => {
    daemon = await startEdgeDaemon({ dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, supervised: { layout: home.layout, release: '1.0.0', trial: false }, onSwitchRequested: () => switches++ });
  };
  const upload = async (file: string) => {
    const res = await fetch(`${test.cloud.httpUrl}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}` }, body: readFileSync(file) });
    expect(res.status, await res.clone().text()).toBe(201);
  };
  const rolloutBox = async (id: string) => (await test.api('GET', `/api/v1/rollouts/${id}`)).body.boxes[0];

  beforeAll(async () => {
    test = await startTestCloud({ SC_ROLLOUT_TICK_MS: 50 });
    home = createFakeHome();
    home.install('1.0.0', 'good');
    home.setCurrent('1.0.0');
    work = mkdtempSync(join(tmpdir(), 'sc-upd-'));
    // the cloud trusts the province key and a second one the box was never given
    writeJsonDurable(join(test.dataDir, 'keys', 'release-keys.json'), [home.publicKey, stranger.publicKey]);
    ({ edgeId, dataDir } = await provisionTestEdge(test, 'ap-1'));
    await start();
  });
  afterAll(async () => {
    await daemon?.stop();
    await test.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(home.layout.home, { recursive: true, force: true });
  });

  it('downloads, installs every file beside the running version, and asks the supervisor to switch', async () => {
    const files = { 'dist/cli.js': '// 1.1.0\n', 'node_modules/big/data.bin': Buffer.alloc(300_000, 7) };
    await writeTestBundle(join(work, '1.1.0.tar'), { version: '1.1.0', arch: ARCH, privateKeyPem: home.privateKeyPem, files });
    await upload(join(work, '1.1.0.tar'));
    const created = await test.api('POST', '/api/v1/rollouts', { version: '1.1.0', scope: { kind: 'edges', edgeIds: [edgeId] }, soakS: 0 });
    expect(created.status).toBe(201);
    const request = await waitFor(() => readJsonFile(home.layout.switchRequest, switchRequestSchema), 'switch request');
    expect(request).toMatchObject({ version: '1.1.0', rolloutId: created.body.id });
    expect(switches).toBe(1);
    expect(readFileSync(join(home.layout.releaseDir('1.1.0'), 'node_modules/big/data.bin'))).toEqual(files['node_modules/big/data.bin']);
    expect(existsSync(join(home.layout.releaseDir('1.1.0'), 'manifest.sig'))).toBe(true);
    // the download is gone once installed: the disk holds the release, not the bundle too
    expect(readdirSync(join(home.layout.home, 'downloads'))).toEqual([]);
    const box = await waitFor(async () => ((await rolloutBox(created.body.id)).state === 'switching' ? rolloutBox(created.body.id) : null), 'switching reported');
    expect(box.reason).toBeNull();
    await test.cloud.fleet.events.settled();
    const phases = (await test.cloud.fleet.events.list(edgeId)).filter((e) => e.kind === 'update').map((e) => (e.body as { phase: string }).phase);
    expect(phases).toEqual(expect.arrayContaining(['downloading', 'installed', 'switching']));
    rmSync(home.layout.switchRequest);
    await test.api('POST', `/api/v1/rollouts/${created.body.id}/cancel`);
  });

  it('refuses a bundle signed with a key it does not trust, installs nothing and reports why', async () => {
    await writeTestBundle(join(work, '1.2.0.tar'), { version: '1.2.0', arch: ARCH, privateKeyPem: stranger.privateKeyPem });
    await upload(join(work, '1.2.0.tar'));
    const created = await test.api('POST', '/api/v1/rollouts', { version: '1.2.0', scope: { kind: 'edges', edgeIds: [edgeId] } });
    const box = await waitFor(async () => ((await rolloutBox(created.body.id)).state === 'failed' ? rolloutBox(created.body.id) : null), 'failure reported');
    expect(box.reason).toMatch(/not trusted|unknown/i);
    expect(existsSync(home.layout.releaseDir('1.2.0'))).toBe(false);
    expect(readdirSync(home.layout.releases).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await test.api('GET', `/api/v1/rollouts/${created.body.id}`)).body.state).toBe('paused');
    expect(existsSync(home.layout.switchRequest)).toBe(false);
    await test.api('POST', `/api/v1/rollouts/${created.body.id}/cancel`);
  });

  it('refuses a bundle altered after the cloud checked it (its sha256 differs from the one announced)', async () => {
    await writeTestBundle(join(work, '1.3.0.tar'), { version: '1.3.0', arch: ARCH, privateKeyPem: home.privateKeyPem });
    await upload(join(work, '1.3.0.tar'));
    const stored = (await test.cloud.releases.store.filePath('1.3.0', ARCH))!;
    const bytes = readFileSync(stored);
    bytes[bytes.length - 2000] = bytes[bytes.length - 2000]! ^ 0xff; // a flipped bit on the cloud's disk or on the way
    writeFileSync(stored, bytes);
    const created = await test.api('POST', '/api/v1/rollouts', { version: '1.3.0', scope: { kind: 'edges', edgeIds: [edgeId] } });
    const box = await waitFor(async () => ((await rolloutBox(created.body.id)).state === 'failed' ? rolloutBox(created.body.id) : null), 'failure reported');
    expect(box.reason).toContain('sha256');
    expect(existsSync(home.layout.releaseDir('1.3.0'))).toBe(false);
    await test.api('POST', `/api/v1/rollouts/${created.body.id}/cancel`);
  });

  it('reports the supervisor\'s rollback record once when it starts, with the failed version\'s last lines', async () => {
    const created = await test.api('POST', '/api/v1/rollouts', { version: '1.1.0', scope: { kind: 'edges', edgeIds: [edgeId] }, soakS: 600 });
    await waitFor(() => readJsonFile(home.layout.switchRequest, switchRequestSchema), 'switch request');
    // the supervisor switched, the new version failed its health check, the supervisor went back and wrote this
    await daemon!.stop();
    rmSync(home.layout.switchRequest);
    writeJsonDurable(home.layout.lastFailure, {
      format: 1, version: '1.1.0', from: '1.0.0', rolloutId: created.body.id, reason: 'health_timeout', detail: 'documents not applied',
      at: Date.now(), logTail: ['{"level":50,"msg":"cannot open edge.db"}'], reportedAt: null,
    });
    await start();
    const box = await waitFor(async () => ((await rolloutBox(created.body.id)).state === 'rolled_back' ? rolloutBox(created.body.id) : null), 'rollback reported');
    expect(box.reason).toBe('health_timeout: documents not applied');
    expect(box.logLines).toEqual(['{"level":50,"msg":"cannot open edge.db"}']);
    expect((await test.api('GET', `/api/v1/rollouts/${created.body.id}`)).body.state).toBe('paused');
    // marked reported, and this version is not tried again for this rollout
    expect(JSON.parse(readFileSync(home.layout.lastFailure, 'utf8')).reportedAt).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(home.layout.switchRequest)).toBe(false);
  });

  it('resumes a download cut by the link from where it stopped, and never starts without room on the disk', async () => {
    const file = join(work, 'resume.tar');
    const built = await writeTestBundle(file, { version: '1.4.0', arch: ARCH, privateKeyPem: home.privateKeyPem, files: { 'dist/cli.js': 'x', 'data.bin': Buffer.alloc(200_000, 3) } });
    await upload(file);
    const url = `${test.cloud.httpUrl}${releaseBundlePath('1.4.0', ARCH)}`;
    const ranges: (string | null)[] = [];
    let cut = false;
    // the first answer's body breaks after 64 KiB, as a dropped 3G link would
    const flaky: typeof fetch = async (input, init) => {
      ranges.push(new Headers(init?.headers).get('range'));
      const res = await fetch(input, init);
      if (cut || !res.body) return res;
      cut = true;
      const reader = res.body.getReader();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          if (sent + value.byteLength > 65_536) return controller.error(new Error('ECONNRESET'));
          sent += value.byteLength;
          controller.enqueue(value);
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const target = join(work, 'resume.part');
    const progress: number[] = [];
    await downloadBundle({
      url, file: target, bytes: built.bytes, sha256: built.sha256, credentials: () => loadCredentials(dataDir), reserveBytes: 0,
      signal: new AbortController().signal, backoff: { initialMs: 20, maxMs: 50, jitter: 0 }, fetch: flaky, onProgress: (done) => progress.push(done),
    });
    expect(ranges[0]).toBeNull();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/bytes=(\d+)-/.exec(ranges[1]!)![1])).toBeGreaterThan(0);
    expect(createHash('sha256').update(readFileSync(target)).digest('hex')).toBe(built.sha256);
    expect(statSync(target).size).toBe(built.bytes);

    const refused = downloadBundle({
      url, file: join(work, 'nospace.part'), bytes: built.bytes, sha256: built.sha256, credentials: () => loadCredentials(dataDir),
      reserveBytes: Number.MAX_SAFE_INTEGER, signal: new AbortController().signal,
    });
    await expect(refused).rejects.toBeInstanceOf(DownloadRefused);
    await expect(refused).rejects.toThrow(/not enough free disk/);
    expect(existsSync(join(work, 'nospace.part'))).toBe(false);
  });
});

describe('the switch waits for the loudspeakers', () => {
  it('reports waiting with why, and asks the supervisor only once nothing plays or is due (checked again after the outbox drained)', async () => {
    const { openEdgeDatabase } = await import('../db/database.js');
    const { StateStore } = await import('../db/state.js');
    const { EdgeUpdater } = await import('./updater.js');
    const { mkdirSync } = await import('node:fs');
    const home = createFakeHome();
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-upd-quiet-'));
    const db = openEdgeDatabase(dataDir);
    try {
      mkdirSync(home.layout.releaseDir('2.0.0')); // installed already: no download
      const events: { phase: string; reason?: string }[] = [];
      // playing for three looks, quiet for one (then the drain), an alert during the drain, then quiet
      const answers = ['"Bản tin sáng" (normal) is playing', '"Bản tin sáng" (normal) is playing', 'an item (normal) starts in 40 s', null, '"Cảnh báo lũ" (emergency) is playing', null, null];
      let exits = 0;
      const updater = new EdgeUpdater({
        supervised: { layout: home.layout, release: '1.0.0', trial: false },
        runningVersion: '1.0.0',
        arch: ARCH,
        cloudUrl: 'http://127.0.0.1:9',
        credentials: () => ({ username: 'x', password: 'y'.repeat(16) }),
        state: new StateStore(db),
        report: (e) => events.push({ phase: e.phase, reason: e.reason }),
        install: async () => ({ version: '2.0.0' }),
        notQuiet: () => (answers.length ? answers.shift()! : null),
        confirmed: () => true,
        drainOutbox: async () => undefined,
        exitForSwitch: () => exits++,
        logger: silentLogger(),
        quietPollMs: 10,
      });
      updater.apply({ target: { version: '2.0.0', rolloutId: 'rol_test', bundles: [{ arch: ARCH, path: '/api/v1/device/releases/2.0.0/x64/bundle', bytes: 1, sha256: 'a'.repeat(64) }] } });
      await waitFor(() => exits === 1, 'the switch', 5000, 10);
      expect(events.map((e) => e.phase)).toEqual(['installed', 'waiting', 'switching']);
      expect(events[1]!.reason).toContain('is playing');
      expect(answers).toEqual([]); // every answer was asked: the alert during the drain held the switch back
      expect(readJsonFile(home.layout.switchRequest, switchRequestSchema)?.version).toBe('2.0.0');
      await updater.stop();
    } finally {
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(home.layout.home, { recursive: true, force: true });
    }
  });
});
