import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import {
  generateReleaseKeyPair,
  loadPrivateKey,
  releaseManifestSchema,
  serializeManifest,
  signBytes,
  type ReleaseArch,
  type ReleaseManifest,
  type ReleasePublicKey,
} from '@smart-commune/shared';

/** A release signing key for tests: the private PEM and the public half as boxes and the cloud store it. */
export function testReleaseKey(): { privateKeyPem: string; publicKey: ReleasePublicKey } {
  return generateReleaseKeyPair();
}

export interface TestBundleOptions {
  version: string;
  arch?: ReleaseArch;
  product?: 'edge' | 'cloud';
  /** Path → content; must include the entry (default dist/cli.js). */
  files?: Record<string, string | Buffer>;
  entry?: string;
  privateKeyPem: string;
  /** Writes this content for a file instead of the signed one (the manifest still names the original). */
  tamper?: { path: string; content: string | Buffer };
  gzip?: boolean;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Writes a small signed bundle the way release tooling lays one out: manifest.json, manifest.sig, then
 * the files. Small on purpose: the checks, not the size, are what the tests exercise.
 */
export async function writeTestBundle(path: string, options: TestBundleOptions): Promise<{ manifest: ReleaseManifest; bytes: number; sha256: string }> {
  const entry = options.entry ?? 'dist/cli.js';
  const files = Object.entries(options.files ?? { [entry]: `// smart commune edge ${options.version}\n` }).map(([p, c]) => [p, Buffer.isBuffer(c) ? c : Buffer.from(c)] as const);
  const manifest = releaseManifestSchema.parse({
    format: 1,
    product: options.product ?? 'edge',
    version: options.version,
    arch: options.arch ?? (process.arch === 'arm64' ? 'arm64' : 'x64'),
    minCloudVersion: '0.1.0',
    contractVersion: '1',
    createdAt: new Date().toISOString(),
    entry,
    files: files.map(([p, b]) => ({ path: p, size: b.length, sha256: sha256(b) })),
  });
  const manifestBytes = serializeManifest(manifest);
  const sig = Buffer.from(JSON.stringify(signBytes(manifestBytes, loadPrivateKey(options.privateKeyPem))));
  const pack = tar.pack();
  const writing = options.gzip ? pipeline(pack, createGzip(), createWriteStream(path)) : pipeline(pack, createWriteStream(path));
  pack.entry({ name: 'manifest.json' }, manifestBytes);
  pack.entry({ name: 'manifest.sig' }, sig);
  for (const [p, b] of files) {
    const body = options.tamper?.path === p ? Buffer.from(options.tamper.content) : b;
    pack.entry({ name: p, size: body.length }, body);
  }
  pack.finalize();
  await writing;
  const { readFileSync } = await import('node:fs');
  const written = readFileSync(path);
  return { manifest, bytes: written.length, sha256: sha256(written) };
}
