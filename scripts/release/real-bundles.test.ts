import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReleaseKeyPair, verifyReleaseDir } from '@smart-commune/shared';
import { provision } from '@smart-commune/edge';
import { startTestCloud, type TestCloud } from '../../test-support/cloud.js';
import { readJsonFile } from '../../edge/src/supervisor/durable.js';
import { edgeHomeLayout } from '../../edge/src/supervisor/layout.js';
import { healthReportSchema, supervisorStateSchema } from '../../edge/src/supervisor/protocol.js';
import { waitUntil } from '../../edge/src/supervisor/testing/fake-versions.js';
import { buildRelease, type BuildResult } from './build.js';

/**
 * Real bundles built from this tree (once, as two versions), installed side by side on a box home
 * with the real sc-edge-supervisor (no systemd), running the real daemon against a real cloud, then
 * switched from one to the other through the supervisor protocol.
 */
const SUPERVISOR_CLI = fileURLToPath(new URL('../../edge/dist/supervisor/cli.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sc-release-'));
const layout = edgeHomeLayout(join(work, 'home'));
let bundles: BuildResult[] = [];
let publicKeyFile = '';
let test: TestCloud;
let supervisor: ChildProcess | null = null;

beforeAll(async () => {
  const keys = generateReleaseKeyPair();
  writeFileSync(join(work, 'release.key'), keys.privateKeyPem, { mode: 0o600 });
  publicKeyFile = join(work, 'release.pub.json');
  writeFileSync(publicKeyFile, JSON.stringify(keys.publicKey));
  for (const version of ['0.90.0', '0.91.0']) {
    bundles.push(await buildRelease({ product: 'edge', version, keyFile: join(work, 'release.key'), outDir: join(work, 'out'), log: () => undefined }));
  }
  test = await startTestCloud();
}, 300_000);

afterAll(async () => {
  if (supervisor?.pid) {
    try {
      process.kill(-supervisor.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await test?.stop();
  rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => spawnSync(process.execPath, [SUPERVISOR_CLI, ...args, '--home', layout.home], { encoding: 'utf8' });

describe('real release bundles under the supervisor', () => {
  it('carry the built daemon, its dependencies and native modules for this CPU, signed', () => {
    const [first] = bundles;
    expect(first!.manifest).toMatchObject({ product: 'edge', version: '0.90.0', arch: process.arch, entry: 'dist/cli.js' });
    const paths = new Set(first!.manifest.files.map((f) => f.path));
    for (const p of ['dist/cli.js', 'dist/supervisor/cli.js', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/@smart-commune/shared/dist/index.js', 'node_modules/mqtt/package.json', 'node_modules/tar-stream/package.json']) {
      expect(paths.has(p), p).toBe(true);
    }
    expect([...paths].some((p) => p.startsWith(`node_modules/onnxruntime-node/bin/napi-v6/linux/${process.arch}/`))).toBe(true);
    expect([...paths].some((p) => p.includes('/darwin/') || p.includes('/win32/'))).toBe(false);
    const own = [...paths].filter((p) => !p.startsWith('node_modules/'));
    expect(own.filter((p) => p.startsWith('src/') || p.endsWith('.test.js') || p.endsWith('.tsbuildinfo') || p.endsWith('.d.ts'))).toEqual([]);
    // edge's own tar-stream 3 is the one the daemon finds, not the root's tar-stream 2 (tar-fs's)
    const tarStream = first!.manifest.files.find((f) => f.path === 'node_modules/tar-stream/package.json')!;
    expect(tarStream.sha256).toBe(createHash('sha256').update(readFileSync(fileURLToPath(new URL('../../edge/node_modules/tar-stream/package.json', import.meta.url)))).digest('hex'));
  });

  it('install side by side offline, refuse a bundle whose bytes changed, run the daemon and switch to the other version', async () => {
    const first = cli('install', bundles[0]!.path, '--keys', publicKeyFile);
    expect(first.status, first.stderr).toBe(0);
    const second = cli('install', bundles[1]!.path);
    expect(second.status, second.stderr).toBe(0);
    expect(readJsonFile(layout.state, supervisorStateSchema)).toMatchObject({ current: '0.90.0', previous: null, trial: null });
    expect((await verifyReleaseDir(layout.releaseDir('0.91.0'), [JSON.parse(readFileSync(publicKeyFile, 'utf8'))])).version).toBe('0.91.0');

    // a bundle changed after signing: refused, nothing installed
    const tampered = join(work, 'tampered.tar');
    const bytes = readFileSync(bundles[1]!.path);
    const at = bytes.indexOf('edge daemon started');
    bytes[at] = 'E'.charCodeAt(0);
    writeFileSync(tampered, bytes);
    rmSync(layout.releaseDir('0.91.0'), { recursive: true });
    const refused = cli('install', tampered);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('sha256');
    expect(spawnSync('ls', [layout.releases], { encoding: 'utf8' }).stdout.trim().split('\n')).toEqual(['0.90.0']);
    expect(cli('install', bundles[1]!.path).status).toBe(0);

    // the box: provisioned into the home's data dir, then run by the supervisor
    const created = await test.api<{ id: string }>('POST', '/api/v1/edges', { name: 'Tủ Ấp 1', hamletCode: 'ap-1' });
    const token = await test.api<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
    await provision({ cloudUrl: test.cloud.httpUrl, token: token.body.token, dataDir: layout.data });
    supervisor = spawn(process.execPath, [SUPERVISOR_CLI, 'run', '--home', layout.home], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, SC_LOG_LEVEL: 'warn', SC_SUPERVISOR_HEALTH_TIMEOUT_S: '60', SC_EDGE_DISCOVERY_EVERY_S: '0' },
    });
    const health = (v: string) => readJsonFile(layout.health(v), healthReportSchema);
    const running = await waitUntil('0.90.0 connected and healthy', () => (health('0.90.0')?.connected ? health('0.90.0') : null), 60_000);
    expect(readFileSync(`/proc/${running.pid}/cmdline`, 'utf8')).toContain(join(layout.releases, '0.90.0', 'dist', 'cli.js'));

    expect(cli('switch', '0.91.0').status).toBe(0);
    process.kill(supervisor.pid!, 'SIGHUP');
    const state = await waitUntil('0.91.0 confirmed', () => {
      const s = readJsonFile(layout.state, supervisorStateSchema);
      return s?.current === '0.91.0' && !s.trial ? s : null;
    }, 90_000);
    expect(state.previous).toBe('0.90.0');
    const now = health('0.91.0')!;
    expect(now).toMatchObject({ connected: true, documentsApplied: true });
    expect(readFileSync(`/proc/${now.pid}/cmdline`, 'utf8')).toContain(join(layout.releases, '0.91.0', 'dist', 'cli.js'));
    expect(() => process.kill(running.pid, 0)).toThrow(); // the old daemon is gone
    expect(JSON.parse(readFileSync(join(layout.releaseDir('0.91.0'), 'package.json'), 'utf8')).version).toBe('0.91.0');
  }, 240_000);
});
