import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MANIFEST_FILE, ReleaseError, SIGNATURE_FILE, verifyBundleStream, type BundleEntry, type ReleasePublicKey } from '@smart-commune/shared';
import { INCOMING_PREFIX, type EdgeHomeLayout } from '../supervisor/layout.js';

/*
 * INTERIM until 15b's edge/src/releases/install.ts is merged (then installRelease delegates to it): unpack a
 * bundle into releases/.incoming-…, every file checked against the signed manifest as it is written, and
 * rename it to releases/<version> only when all matched. A refused bundle leaves nothing behind.
 */

async function writeSynced(path: string, data: AsyncIterable<Buffer | Uint8Array>, mode: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const handle = await open(path, 'wx', mode);
  try {
    for await (const chunk of data) await handle.write(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies the bundle's first two entries (manifest.json, manifest.sig) into `dir`: the supervisor checks the directory by them. */
async function copyControlFiles(tarPath: string, dir: string): Promise<void> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(tarPath), extract).catch(() => undefined);
  let copied = 0;
  for await (const entry of extract) {
    const name = entry.header.name.replace(/^\.\//, '');
    if (name === MANIFEST_FILE || name === SIGNATURE_FILE) {
      await writeSynced(join(dir, name), entry as AsyncIterable<Buffer>, 0o644);
      copied++;
    } else entry.resume();
    if (copied === 2) break;
  }
  extract.destroy();
  await reading;
}

export async function installRelease(tarPath: string, layout: EdgeHomeLayout, publicKeys: readonly ReleasePublicKey[], arch: string): Promise<{ version: string }> {
  mkdirSync(layout.releases, { recursive: true });
  const incoming = join(layout.releases, `${INCOMING_PREFIX}${Date.now()}-${process.pid}`);
  mkdirSync(incoming);
  try {
    const extract = tar.extract();
    const reading = pipeline(createReadStream(tarPath), extract);
    reading.catch(() => undefined); // surfaced by the iteration
    const manifest = await verifyBundleStream(extract as AsyncIterable<BundleEntry>, publicKeys, (file, data) => writeSynced(join(incoming, file.path), data, file.executable ? 0o755 : 0o644));
    await reading;
    if (manifest.product !== 'edge') throw new ReleaseError('bad_manifest', `this bundle is a ${manifest.product} release, not an edge release`);
    if (manifest.arch !== arch) throw new ReleaseError('bad_manifest', `this bundle is for ${manifest.arch}, this box is ${arch}`);
    await copyControlFiles(tarPath, incoming);
    const target = layout.releaseDir(manifest.version);
    if (existsSync(target)) rmSync(incoming, { recursive: true, force: true });
    else renameSync(incoming, target);
    return { version: manifest.version };
  } catch (err) {
    rmSync(incoming, { recursive: true, force: true });
    throw err;
  }
}
