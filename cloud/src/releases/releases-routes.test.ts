import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBundlePath } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { testReleaseKey, writeTestBundle } from '../../../test-support/release-bundle.js';

const province = testReleaseKey();
const stranger = testReleaseKey();
let test: TestCloud;
let work: string;

async function upload(file: string, token = test.adminToken) {
  const res = await fetch(`${test.cloud.httpUrl}/api/v1/releases`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: readFileSync(file),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const releasesDir = () => join(test.dataDir, 'releases');
const storedFiles = () => (existsSync(releasesDir()) ? readdirSync(releasesDir()) : []);

beforeAll(async () => {
  test = await startTestCloud({ SC_ROLLOUT_TICK_MS: 50 });
  work = mkdtempSync(join(tmpdir(), 'sc-rel-'));
});
afterAll(async () => {
  await test.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('release uploads', () => {
  it('refuses every bundle while no release key is configured, naming the setting', async () => {
    const file = join(work, 'nokeys.tar');
    await writeTestBundle(file, { version: '2.0.0', privateKeyPem: province.privateKeyPem });
    const res = await upload(file);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('no_keys');
    expect(res.body.error.message).toContain('SC_RELEASE_KEYS_FILE');
    expect(storedFiles()).toEqual([]);
  });

  it('stores a bundle signed by a province key, once', async () => {
    mkdirSync(join(test.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(test.dataDir, 'keys', 'release-keys.json'), JSON.stringify({ format: 1, sequence: 0, keys: [province.publicKey] }));
    const file = join(work, 'good.tar.gz');
    const built = await writeTestBundle(file, { version: '2.0.0', arch: 'x64', privateKeyPem: province.privateKeyPem, gzip: true, files: { 'dist/cli.js': 'x', 'node_modules/a/index.js': 'a'.repeat(5000) } });
    const res = await upload(file);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: '2.0.0', arch: 'x64', product: 'edge', bytes: built.bytes, sha256: built.sha256, files: 2, uploadedBy: 'admin' });
    expect(storedFiles()).toEqual(['smart-commune-edge-2.0.0-linux-x64.tar.gz']);
    const again = await upload(file);
    expect(again.status).toBe(409);
    const list = await test.api('GET', '/api/v1/releases');
    expect(list.body.releases.map((r: { version: string }) => r.version)).toEqual(['2.0.0']);
  });

  it('refuses a bundle signed with another key, or with a file changed after signing, and keeps nothing of it', async () => {
    const foreign = join(work, 'foreign.tar');
    await writeTestBundle(foreign, { version: '2.1.0', privateKeyPem: stranger.privateKeyPem });
    const refused = await upload(foreign);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('unknown_key');
    const tampered = join(work, 'tampered.tar');
    await writeTestBundle(tampered, { version: '2.1.0', privateKeyPem: province.privateKeyPem, tamper: { path: 'dist/cli.js', content: 'evil()' } });
    const altered = await upload(tampered);
    expect(altered.status).toBe(422);
    expect(altered.body.error.code).toMatch(/size_mismatch|hash_mismatch/);
    expect(altered.body.error.message).toContain('dist/cli.js');
    expect(storedFiles()).toEqual(['smart-commune-edge-2.0.0-linux-x64.tar.gz']);
    const audit = await test.cloud.audit.page({ action: 'release.refused' }, 10, 0);
    expect(audit.items.length).toBeGreaterThanOrEqual(2);
  });

  it('lets only an admin upload', async () => {
    await test.api('POST', '/api/v1/users', { username: 'tech-1', displayName: 'Kỹ thuật', role: 'technician', password: 'ky-thuat-vien-123', mustChangePassword: false });
    const tech = await test.login('tech-1', 'ky-thuat-vien-123');
    const res = await upload(join(work, 'good.tar.gz'), tech);
    expect(res.status).toBe(403);
    expect((await test.api('GET', '/api/v1/releases', undefined, tech)).status).toBe(200);
  });

  it('serves the bundle to a box with its own credentials, resumable from an offset', async () => {
    const box = await claimTestEdge(test, 'ap-1');
    const url = `${test.cloud.httpUrl}${releaseBundlePath('2.0.0', 'x64')}`;
    const auth = `Basic ${Buffer.from(`${box.edgeId}:${box.password}`).toString('base64')}`;
    const whole = Buffer.from(await (await fetch(url, { headers: { authorization: auth } })).arrayBuffer());
    expect(whole).toEqual(readFileSync(join(releasesDir(), 'smart-commune-edge-2.0.0-linux-x64.tar.gz')));
    const part = await fetch(url, { headers: { authorization: auth, range: 'bytes=100-' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(100));
    expect((await fetch(url)).status).toBe(401);
    const metrics = await (await fetch(`${test.cloud.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/sc_release_bundle_bytes_sent_total \d+/);
    expect(metrics).toContain('sc_release_uploads_total{outcome="stored"} 1');
  });
});
