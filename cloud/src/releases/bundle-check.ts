import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ReleaseError, verifyBundleStream, type BundleEntry, type ReleaseManifest, type ReleasePublicKey } from '@smart-commune/shared';

/** A refused bundle as the API answers it: 422 with the check's code (bad_signature, hash_mismatch, …). */
export class BundleRefused extends Error {
  readonly status = 422;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BundleRefused';
  }
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a stored upload (.tar or .tar.gz) once, as a stream, through the release checks shared with the
 * box (shared/src/releases): the signature first, then every file's size and sha256, nothing missing or
 * extra. Throws BundleRefused naming the first fault.
 */
export async function checkBundle(file: string, keys: readonly ReleasePublicKey[]): Promise<ReleaseManifest> {
  if (keys.length === 0) throw new BundleRefused('no_keys', 'no release public key is configured on the cloud (SC_RELEASE_KEYS_FILE): no bundle can be checked');
  const extract = tar.extract();
  const source = createReadStream(file);
  const feeding = (await isGzip(file)) ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
  try {
    const manifest = await verifyBundleStream(extract as AsyncIterable<BundleEntry>, keys);
    await feeding;
    return manifest;
  } catch (err) {
    source.destroy();
    extract.destroy();
    await feeding.catch(() => undefined);
    if (err instanceof ReleaseError) throw new BundleRefused(err.code, err.message);
    throw new BundleRefused('bad_layout', `the file is not a readable tar or tar.gz bundle: ${(err as Error).message}`);
  }
}
