import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseError } from './errors.js';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, SIGNATURE_FILE, type ManifestFile, type ReleaseManifest } from './manifest.js';
import { verifyManifest, type ReleasePublicKey } from './signing.js';

/**
 * Checking a bundle as it streams (the cloud on upload, the box before install) and an installed
 * release directory (the box's supervisor). The tar reader stays with the caller (tar-stream's
 * extract() fits `BundleEntry`), so this module needs node:crypto and node:fs only.
 *
 * Layout rule: `manifest.json` is the bundle's first entry and `manifest.sig` its second, so the
 * signature is checked before a single release file is read or written; then come the manifest's
 * files (in any order, each once), directories allowed, nothing else.
 */
export interface BundleEntry extends AsyncIterable<unknown> {
  header: { name: string; type?: string | null; size?: number | null };
  resume(): unknown;
}

/** Receives a verified-so-far file's bytes; the bundle is refused (and the caller discards the output) if they end up not matching. */
export type BundleFileSink = (file: ManifestFile, data: AsyncIterable<Buffer>) => Promise<void>;

export interface BundleStreamHandlers {
  /** Called once the signature checked, before any file: the exact bytes to store beside the files. */
  onManifest?: (manifest: ReleaseManifest, manifestBytes: Buffer, signatureBytes: Buffer) => void | Promise<void>;
  onFile?: BundleFileSink;
}

function toBuffer(chunk: unknown): Buffer {
  if (!(chunk instanceof Uint8Array)) throw new ReleaseError('bad_layout', 'the tar reader yielded something other than bytes');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

async function readSmall(entry: BundleEntry, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    const buf = toBuffer(chunk);
    size += buf.length;
    if (size > max) throw new ReleaseError('bad_layout', `${what} is larger than ${max} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function entryName(entry: BundleEntry): string {
  return entry.header.name.replace(/^\.\//, '').replace(/\/$/, '');
}

/**
 * Reads a whole bundle: the signature against `publicKeys`, then every file's size and sha256 against
 * the manifest; `handlers.onFile` (optional) gets each file's bytes as they pass. Resolves with the
 * manifest only when everything matched; throws a ReleaseError naming the first problem otherwise.
 */
export async function verifyBundleStream(entries: AsyncIterable<BundleEntry>, publicKeys: readonly ReleasePublicKey[], handlers: BundleStreamHandlers = {}): Promise<ReleaseManifest> {
  let manifestBytes: Buffer | undefined;
  let manifest: ReleaseManifest | undefined;
  let byPath = new Map<string, ManifestFile>();
  const seen = new Set<string>();
  let index = 0;
  for await (const entry of entries) {
    const name = entryName(entry);
    const type = entry.header.type ?? 'file';
    const position = index++;
    if (position === 0) {
      if (name !== MANIFEST_FILE || type !== 'file') throw new ReleaseError('bad_layout', `the bundle must start with ${MANIFEST_FILE}, not "${name}"`);
      manifestBytes = await readSmall(entry, MAX_MANIFEST_BYTES, MANIFEST_FILE);
      continue;
    }
    if (position === 1) {
      if (name !== SIGNATURE_FILE || type !== 'file') throw new ReleaseError('bad_layout', `${SIGNATURE_FILE} must follow ${MANIFEST_FILE} in the bundle, not "${name}"`);
      const sig = await readSmall(entry, MAX_SIGNATURE_BYTES, SIGNATURE_FILE);
      manifest = verifyManifest(manifestBytes!, sig, publicKeys).manifest;
      byPath = new Map(manifest.files.map((f) => [f.path, f]));
      await handlers.onManifest?.(manifest, manifestBytes!, sig);
      continue;
    }
    if (type === 'directory') {
      entry.resume();
      continue;
    }
    const file = byPath.get(name);
    if (type !== 'file') throw new ReleaseError('unexpected_file', `the bundle holds "${name}" of type ${type}; only files and directories are allowed`);
    if (!file) throw new ReleaseError('unexpected_file', `the bundle holds "${name}", which its manifest does not list`);
    if (seen.has(name)) throw new ReleaseError('unexpected_file', `the bundle holds "${name}" twice`);
    seen.add(name);
    await checkFileBytes(file, entry, handlers.onFile);
  }
  if (!manifest) throw new ReleaseError('bad_layout', index === 0 ? 'the bundle is empty' : `the bundle has no ${SIGNATURE_FILE}`);
  const missing = manifest.files.filter((f) => !seen.has(f.path));
  if (missing.length > 0) throw new ReleaseError('missing_file', `the bundle lacks ${missing.length} file(s) of its manifest, e.g. "${missing[0]!.path}"`);
  return manifest;
}

async function checkFileBytes(file: ManifestFile, data: AsyncIterable<unknown>, sink?: BundleFileSink): Promise<void> {
  const hash = createHash('sha256');
  let size = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of data) {
      const buf = toBuffer(chunk);
      size += buf.length;
      if (size > file.size) throw new ReleaseError('size_mismatch', `"${file.path}" is larger than the ${file.size} bytes its manifest says`);
      hash.update(buf);
      yield buf;
    }
  }
  const stream = counted();
  if (sink) await sink(file, stream);
  for await (const _ of stream); // whatever the sink left unread
  if (size !== file.size) throw new ReleaseError('size_mismatch', `"${file.path}" has ${size} bytes, its manifest says ${file.size}`);
  const sha256 = hash.digest('hex');
  if (sha256 !== file.sha256) throw new ReleaseError('hash_mismatch', `"${file.path}" has sha256 ${sha256}, its manifest says ${file.sha256}`);
}

/** sha256 and size of a file on disk, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { sha256: hash.digest('hex'), size };
}

/** Every regular file under `dir` as a relative POSIX path; symlinks and other types are reported as such. */
export async function listReleaseFiles(dir: string): Promise<{ files: string[]; others: string[] }> {
  const files: string[] = [];
  const others: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const name of await readdir(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, path));
      if (st.isDirectory()) await walk(path);
      else if (st.isFile()) files.push(path);
      else others.push(path);
    }
  }
  await walk('');
  return { files, others };
}

/**
 * Checks an unpacked release directory: its signature, then (unless `hashes: false`) every file's size
 * and sha256, and that it holds nothing else. `hashes: false` still checks presence and sizes: the
 * supervisor's quick check before starting a version it unpacked and verified itself.
 */
export async function verifyReleaseDir(dir: string, publicKeys: readonly ReleasePublicKey[], opts: { hashes?: boolean } = {}): Promise<ReleaseManifest> {
  let manifestBytes: Buffer;
  let sig: Buffer;
  try {
    manifestBytes = await readFile(join(dir, MANIFEST_FILE));
    sig = await readFile(join(dir, SIGNATURE_FILE));
  } catch (err) {
    throw new ReleaseError('missing_file', `${dir} has no readable ${MANIFEST_FILE} and ${SIGNATURE_FILE}: ${(err as Error).message}`);
  }
  const { manifest } = verifyManifest(manifestBytes, sig, publicKeys);
  const { files, others } = await listReleaseFiles(dir);
  if (others.length > 0) throw new ReleaseError('unexpected_file', `${dir} holds "${others[0]}", which is not a regular file`);
  const listed = new Set(manifest.files.map((f) => f.path));
  const extra = files.find((f) => f !== MANIFEST_FILE && f !== SIGNATURE_FILE && !listed.has(f));
  if (extra) throw new ReleaseError('unexpected_file', `${dir} holds "${extra}", which its manifest does not list`);
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    let size: number;
    try {
      size = (await lstat(path)).size;
    } catch {
      throw new ReleaseError('missing_file', `${dir} lacks "${file.path}"`);
    }
    if (size !== file.size) throw new ReleaseError('size_mismatch', `"${file.path}" has ${size} bytes, its manifest says ${file.size}`);
    if (opts.hashes === false) continue;
    const { sha256 } = await hashFile(path);
    if (sha256 !== file.sha256) throw new ReleaseError('hash_mismatch', `"${file.path}" has sha256 ${sha256}, its manifest says ${file.sha256}`);
  }
  return manifest;
}
