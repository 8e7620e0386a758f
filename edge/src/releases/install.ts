import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MANIFEST_FILE, ReleaseError, SIGNATURE_FILE, verifyBundleStream, verifyReleaseDir, type ReleaseArch, type ReleaseManifest, type ReleasePublicKey } from '@smart-commune/shared';
import { fsyncDir } from '../supervisor/durable.js';
import { INCOMING_PREFIX, TRASH_PREFIX, type EdgeHomeLayout } from '../supervisor/layout.js';

/**
 * Installs a bundle side by side with the running version: the tar is read as a stream, its signature
 * checked before any file is written, each file written (and fsynced) into releases/.incoming-<v>-<pid>
 * while its sha256 is checked, and only a complete, verified directory is renamed to releases/<v>.
 * A refused bundle or a power cut leaves no releases/<v> behind (the supervisor deletes .incoming-*).
 */

export interface InstallOptions {
  layout: EdgeHomeLayout;
  publicKeys: readonly ReleasePublicKey[];
  /** The CPU this box needs; default this process's. */
  arch?: string;
}

export function currentArch(): ReleaseArch | string {
  return process.arch;
}

export async function installBundle(tarPath: string, options: InstallOptions): Promise<{ manifest: ReleaseManifest; dir: string; alreadyInstalled: boolean }> {
  const { layout, publicKeys } = options;
  const arch = options.arch ?? currentArch();
  mkdirSync(layout.releases, { recursive: true });
  const incoming = join(layout.releases, `${INCOMING_PREFIX}${Date.now()}-${process.pid}`);
  mkdirSync(incoming);
  const made = new Set<string>([incoming]);
  try {
    const extract = tar.extract();
    const reading = pipeline(createReadStream(tarPath), extract);
    reading.catch(() => undefined); // surfaced by the iteration below
    const manifest = await verifyBundleStream(extract, publicKeys, {
      onManifest: async (m, manifestBytes, signatureBytes) => {
        // refused before a single file is written: another program or CPU
        if (m.product !== 'edge') throw new ReleaseError('bad_manifest', `this bundle is a ${m.product} release, not an edge release`);
        if (m.arch !== arch) throw new ReleaseError('bad_manifest', `this bundle is for ${m.arch}, this box is ${arch}`);
        await writeSynced(join(incoming, MANIFEST_FILE), manifestBytes, 0o644);
        await writeSynced(join(incoming, SIGNATURE_FILE), signatureBytes, 0o644);
      },
      onFile: async (file, data) => {
      const path = join(incoming, file.path);
      const dir = dirname(path);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      const handle = await open(path, 'wx', file.executable ? 0o755 : 0o644);
      try {
        for await (const chunk of data) await handle.write(chunk);
        await handle.sync();
      } finally {
        await handle.close();
      }
      },
    });
    await reading;
    for (const dir of made) fsyncDir(dir);
    const target = layout.releaseDir(manifest.version);
    if (existsSync(target)) {
      // the same version already installed (a retried download): keep the one there if it checks out
      await verifyReleaseDir(target, publicKeys, { hashes: false });
      rmSync(incoming, { recursive: true, force: true });
      return { manifest, dir: target, alreadyInstalled: true };
    }
    renameSync(incoming, target);
    fsyncDir(layout.releases);
    return { manifest, dir: target, alreadyInstalled: false };
  } catch (err) {
    rmSync(incoming, { recursive: true, force: true });
    throw err;
  }
}

async function writeSynced(path: string, bytes: Buffer, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes leftovers of interrupted installs and deletions (never a releases/<version>). */
export function cleanReleaseLeftovers(layout: EdgeHomeLayout): string[] {
  if (!existsSync(layout.releases)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(layout.releases)) {
    if (name.startsWith(INCOMING_PREFIX) || name.startsWith(TRASH_PREFIX)) {
      rmSync(join(layout.releases, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** Deletes an installed release: renamed away first, so half a deletion never looks like a release. */
export function removeRelease(layout: EdgeHomeLayout, version: string): void {
  const dir = layout.releaseDir(version);
  if (!existsSync(dir)) return;
  const trash = join(layout.releases, `${TRASH_PREFIX}${version}-${process.pid}`);
  renameSync(dir, trash);
  fsyncDir(layout.releases);
  rmSync(trash, { recursive: true, force: true });
}
