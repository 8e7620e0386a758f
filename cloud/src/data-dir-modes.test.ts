import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../test-support/cloud.js';
import { claimTestEdge } from '../../test-support/edge.js';
import { persistentSecret } from './bootstrap.js';

const FRAME = readFileSync('/work/shared/media/vtest-frame-10s.jpg');
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every entry under `dir` with its mode, as `relative path: octal mode` (`incidents/` itself, not what is in it). */
function modesUnder(dir: string): Record<string, string> {
  const modes: Record<string, string> = {};
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const entry = join(path, name);
      modes[relative(dir, entry)] = (lstatSync(entry).mode & 0o777).toString(8);
      // the incidents' media store is another domain's, reached only through incidents/ (0700)
      if (lstatSync(entry).isDirectory() && relative(dir, entry) !== 'incidents') walk(entry);
    }
  };
  walk(dir);
  return modes;
}

describe("the cloud's data dir, with the usual umask 022", () => {
  let umask: number;
  let test: TestCloud;
  let dataDir: string;

  beforeAll(async () => {
    umask = process.umask(0o022);
    // a data dir an earlier version left to the umask
    dataDir = mkdtempSync(join(tmpdir(), 'sc-cloud-modes-'));
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'cloud.db'), '', { mode: 0o644 });
    writeFileSync(join(dataDir, 'service-password.txt'), 'mat-khau-dich-vu-cu\n', { mode: 0o644 });
    mkdirSync(join(dataDir, 'incidents'), { mode: 0o755 });
    test = await startTestCloud({}, dataDir);
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
    process.umask(umask);
  });

  it('is 0700 with every directory 0700 and every file 0600 after a start and some work, an existing loose one tightened', async () => {
    const edge = await claimTestEdge(test);
    expect((await test.request('POST', `/api/v1/edges/${edge.edgeId}/cameras`, { id: 'cho', name: 'Chợ', source: { kind: 'rtsp', url: 'rtsp://10.0.0.5/s', password: 'x' } })).status).toBe(201);
    expect((await test.request('PUT', '/api/v1/tts/dictionary/HTX', { expansion: 'hợp tác xã' })).status).toBe(200);
    expect((await test.request('POST', '/api/v1/bulletins', { title: 'Họp dân', text: 'Tối nay HTX họp dân.' })).status).toBe(201);
    const report = new FormData();
    for (const [k, v] of Object.entries({ category: 'trom-cap', description: 'Mất xe đạp trước cổng trường', hamlet: 'ap-1' })) report.set(k, v);
    report.set('photo', new Blob([FRAME], { type: 'image/jpeg' }), 'anh.jpg');
    expect((await test.cloud.app.request('/api/v1/reports', { method: 'POST', body: report })).status).toBe(201);

    const modes = modesUnder(dataDir);
    expect(modeOf(dataDir)).toBe(0o700);
    for (const written of ['cloud.db', 'cloud.db-wal', 'cloud.db-shm', 'service-password.txt', 'keys/secret.key', 'tts/pronunciation.json']) expect(modes[written], written).toBe('600');
    for (const dir of ['incidents', 'keys', 'assets', 'reports', 'tts', 'work']) expect(modes[dir], dir).toBe('700');
    expect(Object.keys(modes).filter((path) => /^assets\/..\/.+\.ogg$/.test(path))).toHaveLength(1);
    expect(Object.keys(modes).filter((path) => /^reports\/.+\.jpg$/.test(path))).toHaveLength(1);
    const loose = Object.entries(modes).filter(([path, mode]) => mode !== (lstatSync(join(dataDir, path)).isDirectory() ? '700' : '600'));
    expect(loose).toEqual([]);
  });
});

describe('persistentSecret (the admin and service password files)', () => {
  it('writes a 0600 file in a 0700 directory it creates, whatever the umask', () => {
    const umask = process.umask(0o022);
    const parent = mkdtempSync(join(tmpdir(), 'sc-secret-'));
    try {
      const dir = join(parent, 'data');
      const secret = persistentSecret(dir, 'admin-password.txt');
      expect(readFileSync(join(dir, 'admin-password.txt'), 'utf8').trim()).toBe(secret);
      expect([modeOf(dir), modeOf(join(dir, 'admin-password.txt'))]).toEqual([0o700, 0o600]);
    } finally {
      process.umask(umask);
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
