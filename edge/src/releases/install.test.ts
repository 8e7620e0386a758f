import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { generateReleaseKeyPair, loadPrivateKey, ReleaseError, releaseManifestSchema, serializeManifest, signBytes, verifyReleaseDir } from '@smart-commune/shared';
import { edgeHomeLayout } from '../supervisor/layout.js';
import { cleanReleaseLeftovers, installBundle, verifyBundleFile } from './install.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const keys = generateReleaseKeyPair();
const files: Record<string, { body: Buffer; executable?: boolean }> = {
  'dist/cli.js': { body: Buffer.from('console.log("hi")\n') },
  'bin/helper': { body: Buffer.from('#!/bin/sh\necho helper\n'), executable: true },
  'node_modules/a/index.js': { body: Buffer.alloc(200_000, 7) },
};

/** A real tar bundle, written with tar-stream as scripts/release/build.ts writes them. */
async function bundle(dir: string, opts: { arch?: string; product?: string; change?: string } = {}): Promise<string> {
  const manifest = releaseManifestSchema.parse({
    format: 1,
    product: opts.product ?? 'edge',
    version: '3.1.0',
    arch: opts.arch ?? process.arch,
    minCloudVersion: '0.1.0',
    contractVersion: '1',
    createdAt: new Date().toISOString(),
    entry: 'dist/cli.js',
    files: Object.entries(files).map(([path, f]) => ({ path, size: f.body.length, sha256: createHash('sha256').update(f.body).digest('hex'), ...(f.executable ? { executable: true } : {}) })),
  });
  const bytes = serializeManifest(manifest);
  const pack = tar.pack();
  pack.entry({ name: 'manifest.json' }, bytes);
  pack.entry({ name: 'manifest.sig' }, Buffer.from(JSON.stringify(signBytes(bytes, loadPrivateKey(keys.privateKeyPem)))));
  for (const [path, f] of Object.entries(files)) {
    const body = path === opts.change ? Buffer.from(f.body.toString('latin1').replace(/.$/s, 'X'), 'latin1') : f.body;
    pack.entry({ name: path, mode: f.executable ? 0o755 : 0o644 }, body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const path = join(dir, `bundle-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

function home() {
  const dir = mkdtempSync(join(tmpdir(), 'sc-install-'));
  dirs.push(dir);
  return { dir, layout: edgeHomeLayout(join(dir, 'home')) };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof ReleaseError ? e.code : String(e)));

describe('installBundle', () => {
  it('unpacks a signed bundle into releases/<version> with its manifest, modes and bytes, and knows it is there the second time', async () => {
    const { dir, layout } = home();
    const tarPath = await bundle(dir);
    const first = await installBundle(tarPath, { layout, publicKeys: [keys.publicKey] });
    expect(first).toMatchObject({ alreadyInstalled: false, dir: layout.releaseDir('3.1.0') });
    expect((await verifyReleaseDir(layout.releaseDir('3.1.0'), [keys.publicKey])).version).toBe('3.1.0');
    expect(statSync(join(layout.releaseDir('3.1.0'), 'bin/helper')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(layout.releaseDir('3.1.0'), 'dist/cli.js'), 'utf8')).toBe('console.log("hi")\n');
    expect((await installBundle(tarPath, { layout, publicKeys: [keys.publicKey] })).alreadyInstalled).toBe(true);
    expect(readdirSync(layout.releases)).toEqual(['3.1.0']);
  });

  it('refuses a changed file, another CPU, a cloud bundle or an unknown key, leaving nothing behind', async () => {
    const { dir, layout } = home();
    const other = process.arch === 'x64' ? 'arm64' : 'x64';
    expect(await codeOf(installBundle(await bundle(dir, { change: 'node_modules/a/index.js' }), { layout, publicKeys: [keys.publicKey] }))).toBe('hash_mismatch');
    expect(await codeOf(installBundle(await bundle(dir, { arch: other }), { layout, publicKeys: [keys.publicKey] }))).toBe('bad_manifest');
    expect(await codeOf(installBundle(await bundle(dir, { product: 'cloud' }), { layout, publicKeys: [keys.publicKey] }))).toBe('bad_manifest');
    expect(await codeOf(installBundle(await bundle(dir), { layout, publicKeys: [generateReleaseKeyPair().publicKey] }))).toBe('unknown_key');
    expect(readdirSync(layout.releases)).toEqual([]);
    // verify alone: the same checks without writing
    expect(await codeOf(verifyBundleFile(await bundle(dir, { change: 'dist/cli.js' }), [keys.publicKey]))).toBe('hash_mismatch');
    expect((await verifyBundleFile(await bundle(dir, { product: 'cloud' }), [keys.publicKey])).product).toBe('cloud');
  });

  it('an install cut short leaves only an .incoming directory, which the next start removes', async () => {
    const { dir, layout } = home();
    const tarPath = await bundle(dir);
    const truncated = join(dir, 'truncated.tar');
    writeFileSync(truncated, readFileSync(tarPath).subarray(0, 150_000)); // a download or copy cut in the middle
    expect(await codeOf(installBundle(truncated, { layout, publicKeys: [keys.publicKey] }))).not.toBe('ok');
    expect(existsSync(layout.releaseDir('3.1.0'))).toBe(false);
    mkdirSync(join(layout.releases, '.incoming-1-2', 'dist'), { recursive: true });
    mkdirSync(join(layout.releases, '.trash-2.0.0-3'), { recursive: true });
    mkdirSync(join(layout.releases, '2.0.0'), { recursive: true }); // a release: never touched
    expect(cleanReleaseLeftovers(layout).sort()).toEqual(['.incoming-1-2', '.trash-2.0.0-3']);
    expect(readdirSync(layout.releases)).toEqual(['2.0.0']);
  });
});
