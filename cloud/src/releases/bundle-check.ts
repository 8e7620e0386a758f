import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { MANIFEST_FILE, SIGNATURE_FILE, releaseManifestSchema, verifyManifest, type ReleaseManifest } from './manifest.js';

/** Why a bundle was refused: shown to the admin who uploaded it, so it names the file and the fault. */
export class BundleRefused extends Error {
  readonly status = 422;
  constructor(
    readonly code: 'bad_signature' | 'bad_manifest' | 'file_mismatch' | 'not_a_bundle',
    message: string,
  ) {
    super(message);
    this.name = 'BundleRefused';
  }
}

/** Manifest and control files are small; anything larger under those names is not a bundle of ours. */
const MAX_CONTROL_BYTES = 32 * 1024 * 1024;

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** A tar entry's name without a leading `./` (tar writes either). */
const entryName = (name: string) => name.replace(/^\.\//, '');

/**
 * Reads a bundle (.tar or .tar.gz) once, as a stream: checks the manifest's signature against the
 * province's keys, then that every file the manifest lists is there with its size and sha256 and
 * that nothing else is. Throws BundleRefused naming the first fault.
 */
export async function checkBundle(file: string, keys: readonly KeyObject[]): Promise<ReleaseManifest> {
  if (keys.length === 0) throw new BundleRefused('bad_signature', 'no release public key is configured on the cloud (SC_RELEASE_PUBLIC_KEYS_FILE): no bundle can be checked');
  let manifestBytes: Buffer | null = null;
  let sigBytes: Buffer | null = null;
  const seen = new Map<string, { size: number; sha256: string }>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = entryName(header.name);
    if (header.type === 'directory') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', () => next(new BundleRefused('not_a_bundle', `${name}: only files and directories may be in a bundle (found ${header.type})`)));
      return;
    }
    const control = name === MANIFEST_FILE || name === SIGNATURE_FILE;
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      size += chunk.length;
      hash.update(chunk);
      if (control && size <= MAX_CONTROL_BYTES) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (control && size > MAX_CONTROL_BYTES) return next(new BundleRefused('not_a_bundle', `${name} is larger than ${MAX_CONTROL_BYTES} bytes`));
      if (name === MANIFEST_FILE) manifestBytes = Buffer.concat(chunks);
      else if (name === SIGNATURE_FILE) sigBytes = Buffer.concat(chunks);
      else if (seen.has(name)) return next(new BundleRefused('not_a_bundle', `${name} appears twice in the bundle`));
      else seen.set(name, { size, sha256: hash.digest('hex') });
      next();
    });
    stream.on('error', next);
  });
  const source = createReadStream(file);
  try {
    if (await isGzip(file)) await pipeline(source, createGunzip(), extract);
    else await pipeline(source, extract);
  } catch (err) {
    if (err instanceof BundleRefused) throw err;
    throw new BundleRefused('not_a_bundle', `the file is not a readable tar or tar.gz bundle: ${(err as Error).message}`);
  }
  return checkContents(manifestBytes, sigBytes, seen, keys);
}

/** The checks once the whole archive was read: signature first, so nothing unsigned is even parsed. */
export function checkContents(
  manifestBytes: Buffer | null,
  sigBytes: Buffer | null,
  seen: ReadonlyMap<string, { size: number; sha256: string }>,
  keys: readonly KeyObject[],
): ReleaseManifest {
  if (!manifestBytes) throw new BundleRefused('not_a_bundle', `the bundle has no ${MANIFEST_FILE}`);
  if (!sigBytes) throw new BundleRefused('bad_signature', `the bundle has no ${SIGNATURE_FILE}: it is not signed`);
  if (!verifyManifest(manifestBytes, sigBytes, keys)) {
    throw new BundleRefused('bad_signature', `the signature of ${MANIFEST_FILE} does not match any release public key of the province: the bundle was altered or signed with another key`);
  }
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new BundleRefused('bad_manifest', `${MANIFEST_FILE} is not valid JSON`);
  }
  const parsed = releaseManifestSchema.safeParse(json);
  if (!parsed.success) throw new BundleRefused('bad_manifest', `${MANIFEST_FILE}: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const manifest = parsed.data;
  const listed = new Set<string>();
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const found = seen.get(entry.path);
    if (!found) throw new BundleRefused('file_mismatch', `${entry.path} is listed in the manifest but missing from the bundle`);
    if (found.size !== entry.size) throw new BundleRefused('file_mismatch', `${entry.path}: ${found.size} bytes in the bundle, ${entry.size} in the manifest`);
    if (found.sha256 !== entry.sha256) throw new BundleRefused('file_mismatch', `${entry.path}: its sha256 differs from the manifest's (the file was altered)`);
  }
  for (const name of seen.keys()) {
    if (!listed.has(name)) throw new BundleRefused('file_mismatch', `${name} is in the bundle but not in the signed manifest`);
  }
  return manifest;
}
