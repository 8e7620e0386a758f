import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type TarStream from 'tar-stream';
import { loadPrivateKey, releaseManifestSchema, serializeManifest, signBytes, type ReleaseManifest } from '@smart-commune/shared';
import { buildRelease } from '../scripts/release/build.js';

/*
 * Full edge bundles built from this tree by the release tooling (scripts/release/build.ts, as
 * scripts/release-edge does): the built daemon with its production node_modules and native modules.
 * Building takes a while and ~100 MB, so a test builds one and derives the other versions from it:
 * the same files, a package.json naming the other version (what the daemon reports), optionally a file
 * replaced (a bad release), and a manifest signed again. Each derived bundle is as complete as the built one.
 */

// edge's tar-stream 3 (the root's is tar-fs's 2), as the builder uses
const tar = createRequire(fileURLToPath(new URL('../edge/package.json', import.meta.url)))('tar-stream') as typeof TarStream;

export interface RealBundle {
  path: string;
  manifest: ReleaseManifest;
  /** Size of the .tar file. */
  bytes: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Builds the edge bundle of this tree (needs `tsc -b` first, as scripts/release-edge does). */
export async function buildRealEdgeBundle(options: { version: string; privateKeyPem: string; workDir: string }): Promise<RealBundle> {
  const keyFile = join(options.workDir, 'release-build.key');
  writeFileSync(keyFile, options.privateKeyPem, { mode: 0o600 });
  const built = await buildRelease({ product: 'edge', version: options.version, keyFile, outDir: join(options.workDir, 'built'), log: () => undefined });
  return { path: built.path, manifest: built.manifest, bytes: statSync(built.path).size };
}

async function readEntry(bundle: string, name: string): Promise<Buffer> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(bundle), extract);
  let found: Buffer | null = null;
  for await (const entry of extract) {
    if (entry.header.name === name) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      found = Buffer.concat(chunks);
    } else entry.resume();
  }
  await reading;
  if (!found) throw new Error(`${bundle} has no ${name}`);
  return found;
}

/**
 * Another version of a real bundle: its package.json says `version`, `replace` swaps file contents, and
 * the manifest is signed with `privateKeyPem` (another key: a bundle the cloud must refuse).
 */
export async function deriveBundle(from: RealBundle, to: string, options: { version: string; privateKeyPem: string; replace?: Record<string, string> }): Promise<RealBundle> {
  const pkg = JSON.parse((await readEntry(from.path, 'package.json')).toString('utf8')) as Record<string, unknown>;
  const replaced = new Map<string, Buffer>(Object.entries(options.replace ?? {}).map(([p, c]) => [p, Buffer.from(c)]));
  replaced.set('package.json', Buffer.from(`${JSON.stringify({ ...pkg, version: options.version }, null, 2)}\n`));
  const manifest = releaseManifestSchema.parse({
    ...from.manifest,
    version: options.version,
    createdAt: new Date().toISOString(),
    files: from.manifest.files.map((f) => {
      const body = replaced.get(f.path);
      return body ? { ...f, size: body.length, sha256: sha256(body) } : f;
    }),
  });
  const manifestBytes = serializeManifest(manifest);
  const signature = Buffer.from(`${JSON.stringify(signBytes(manifestBytes, loadPrivateKey(options.privateKeyPem)))}\n`);

  const extract = tar.extract();
  const pack = tar.pack();
  const reading = pipeline(createReadStream(from.path), extract);
  const writing = pipeline(pack, createWriteStream(to));
  const put = (header: TarStream.Headers, body: Buffer) => new Promise<void>((ok, fail) => pack.entry({ ...header, size: body.length }, body, (err) => (err ? fail(err) : ok())));
  for await (const entry of extract) {
    const { name } = entry.header;
    if (name === 'manifest.json') {
      entry.resume();
      await put(entry.header, manifestBytes);
    } else if (name === 'manifest.sig') {
      entry.resume();
      await put(entry.header, signature);
    } else if (replaced.has(name)) {
      entry.resume();
      await put(entry.header, replaced.get(name)!);
    } else {
      await pipeline(entry as unknown as Readable, pack.entry({ ...entry.header }));
    }
  }
  pack.finalize();
  await Promise.all([reading, writing]);
  return { path: to, manifest, bytes: statSync(to).size };
}
