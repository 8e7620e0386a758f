import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateReleaseKeyPair,
  loadPrivateKey,
  ReleaseError,
  releaseManifestSchema,
  serializeManifest,
  signBytes,
  verifyBundleStream,
  verifyManifest,
  verifyReleaseDir,
  type BundleEntry,
  type ReleaseManifest,
} from './index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const files: Record<string, Buffer> = { 'dist/cli.js': Buffer.from('console.log(1)\n'), 'node_modules/x/index.js': Buffer.from('x') };

function makeRelease(extra: Partial<ReleaseManifest> = {}) {
  const keys = generateReleaseKeyPair();
  const manifest: ReleaseManifest = releaseManifestSchema.parse({
    format: 1,
    product: 'edge',
    version: '1.2.3',
    arch: 'x64',
    minCloudVersion: '1.0.0',
    contractVersion: '1',
    createdAt: new Date(0).toISOString(),
    entry: 'dist/cli.js',
    files: Object.entries(files).map(([path, b]) => ({ path, size: b.length, sha256: sha(b) })),
    ...extra,
  });
  const bytes = serializeManifest(manifest);
  const sig = Buffer.from(JSON.stringify(signBytes(bytes, loadPrivateKey(keys.privateKeyPem))));
  return { keys, manifest, bytes, sig };
}

/** Entries as a tar reader yields them (edge/src/releases tests the same with real tar files). */
async function* tarOf(entries: [string, Buffer][]): AsyncGenerator<BundleEntry> {
  for (const [name, body] of entries) {
    yield {
      header: { name, type: 'file', size: body.length },
      resume: () => undefined,
      async *[Symbol.asyncIterator]() {
        yield body.subarray(0, 3);
        yield body.subarray(3);
      },
    };
  }
}

const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof ReleaseError ? e.code : String(e)));

describe('release manifest signatures', () => {
  it('verifies a signed manifest and refuses a changed byte, another key, or no key', () => {
    const r = makeRelease();
    expect(verifyManifest(r.bytes, r.sig, [r.keys.publicKey]).manifest.version).toBe('1.2.3');
    const tampered = Buffer.from(r.bytes);
    tampered[tampered.indexOf('1.2.3')] = '9'.charCodeAt(0);
    expect(() => verifyManifest(tampered, r.sig, [r.keys.publicKey])).toThrow(/does not match/);
    const other = generateReleaseKeyPair();
    expect(() => verifyManifest(r.bytes, r.sig, [other.publicKey])).toThrow(/not trusted/);
    expect(() => verifyManifest(r.bytes, r.sig, [])).toThrow(/no release public key/);
  });

  it('refuses unsafe file paths in a manifest', () => {
    for (const path of ['../etc/passwd', '/abs', 'a//b', 'manifest.json', 'a/./b']) {
      expect(() => makeRelease({ files: [{ path, size: 0, sha256: sha(Buffer.alloc(0)) }], entry: path }), path).toThrow();
    }
  });
});

describe('verifyBundleStream', () => {
  it('accepts a complete bundle and gives every file to the sink', async () => {
    const r = makeRelease();
    const got: Record<string, string> = {};
    const manifest = await verifyBundleStream(tarOf([['manifest.json', r.bytes], ['manifest.sig', r.sig], ...Object.entries(files)]), [r.keys.publicKey], { onFile: async (f, data) => {
      const parts: Buffer[] = [];
      for await (const c of data) parts.push(c);
      got[f.path] = Buffer.concat(parts).toString();
    } });
    expect(manifest.files).toHaveLength(2);
    expect(got['dist/cli.js']).toBe('console.log(1)\n');
  });

  it('refuses a changed file, an extra file, a missing file and a bundle not starting with its manifest', async () => {
    const r = makeRelease();
    const k = [r.keys.publicKey];
    const head: [string, Buffer][] = [['manifest.json', r.bytes], ['manifest.sig', r.sig]];
    expect(await code(verifyBundleStream(tarOf([...head, ['dist/cli.js', Buffer.from('console.log(2)\n')], ['node_modules/x/index.js', files['node_modules/x/index.js']!]]), k))).toBe('hash_mismatch');
    expect(await code(verifyBundleStream(tarOf([...head, ...Object.entries(files), ['evil.js', Buffer.from('x')]]), k))).toBe('unexpected_file');
    expect(await code(verifyBundleStream(tarOf([...head, ['dist/cli.js', files['dist/cli.js']!]]), k))).toBe('missing_file');
    expect(await code(verifyBundleStream(tarOf([['dist/cli.js', files['dist/cli.js']!], ...head]), k))).toBe('bad_layout');
    expect(await code(verifyBundleStream(tarOf([...head, ['dist/cli.js', Buffer.from('console.log(1)\n\n')], ['node_modules/x/index.js', files['node_modules/x/index.js']!]]), k))).toBe('size_mismatch');
  });
});

describe('verifyReleaseDir', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('checks an unpacked release, and notices a changed or added file', async () => {
    const r = makeRelease();
    const dir = mkdtempSync(join(tmpdir(), 'sc-rel-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'manifest.json'), r.bytes);
    writeFileSync(join(dir, 'manifest.sig'), r.sig);
    for (const [path, body] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), body);
    }
    expect((await verifyReleaseDir(dir, [r.keys.publicKey])).version).toBe('1.2.3');
    writeFileSync(join(dir, 'dist/cli.js'), 'console.log(2)\n');
    expect(await code(verifyReleaseDir(dir, [r.keys.publicKey]))).toBe('hash_mismatch');
    expect(await code(verifyReleaseDir(dir, [r.keys.publicKey], { hashes: false }))).toBe('ok'); // same size: the quick check passes
    writeFileSync(join(dir, 'dist/extra.js'), '');
    expect(await code(verifyReleaseDir(dir, [r.keys.publicKey], { hashes: false }))).toBe('unexpected_file');
  });
});
