import { randomBytes } from 'node:crypto';
import type { ReleasePublicKey } from '@smart-commune/shared';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import { conflict } from '../http/errors.js';
import { spoolUpload, UploadTooLarge } from '../incidents/spool-upload.js';
import { ApiError } from '../http/errors.js';
import { formatBytes } from '../http/body-limit.js';
import { BundleRefused, checkBundle } from './bundle-check.js';
import type { Release, ReleaseStore } from './release-store.js';
import type { ReleaseMetrics } from './release-metrics.js';

export interface ReleaseUploadDeps {
  store: ReleaseStore;
  /** Read at each upload: the province may add a key (rotation) without restarting the cloud. */
  publicKeys(): ReleasePublicKey[];
  maxBytes: number;
  audit: AuditLog;
  metrics: ReleaseMetrics;
  logger: Logger;
}

/**
 * Receives a bundle: streamed to a temporary file (never held in memory, stopped at the size cap), checked
 * whole (signature, then every file's size and sha256), and only then named and recorded. A refused bundle
 * leaves nothing behind.
 */
export async function receiveRelease(deps: ReleaseUploadDeps, body: ReadableStream<Uint8Array> | null, by: string, ip: string | null): Promise<Release> {
  const { store } = deps;
  mkdirSync(store.dir, { recursive: true, mode: 0o700 });
  const incoming = join(store.dir, `incoming-${randomBytes(8).toString('hex')}.part`);
  const refuse = async (outcome: string, err: Error & { code?: string }) => {
    rmSync(incoming, { force: true });
    deps.metrics.uploads.inc({ outcome });
    await deps.audit.record({ actor: by, action: 'release.refused', target: null, details: { reason: err.message, code: err.code ?? outcome }, ip });
    deps.logger.warn({ by, outcome, reason: err.message }, 'release bundle refused');
  };
  let spooled;
  try {
    spooled = await spoolUpload(body, incoming, deps.maxBytes);
  } catch (err) {
    if (err instanceof UploadTooLarge) {
      await refuse('too_large', err);
      throw new ApiError(413, 'payload_too_large', `a release bundle is at most ${formatBytes(deps.maxBytes)} (SC_RELEASE_MAX_BYTES)`);
    }
    rmSync(incoming, { force: true });
    throw err;
  }
  let manifest;
  try {
    manifest = await checkBundle(incoming, deps.publicKeys());
  } catch (err) {
    if (err instanceof BundleRefused) await refuse(err.code, err);
    else rmSync(incoming, { force: true });
    throw err;
  }
  const exists = async () => {
    const err = conflict(`release ${manifest.version} for ${manifest.arch} is already stored; delete it first to replace it`);
    await refuse('exists', err);
    return err;
  };
  if (await store.find(manifest.version, manifest.arch)) throw await exists();
  const gz = spooled.head[0] === 0x1f && spooled.head[1] === 0x8b;
  const fileName = `smart-commune-${manifest.product}-${manifest.version}-linux-${manifest.arch}.tar${gz ? '.gz' : ''}`;
  const manifestJson = JSON.stringify(manifest);
  // the row first: of two uploads of one bundle at once only the one whose row is stored names its file
  const release = await store.insert({ manifest, manifestJson, bytes: spooled.bytes, sha256: spooled.sha256, fileName, uploadedBy: by, at: Date.now() });
  if (!release) throw await exists();
  try {
    renameSync(incoming, join(store.dir, fileName));
  } catch (err) {
    await store.delete(manifest.version, manifest.arch);
    rmSync(incoming, { force: true });
    throw err;
  }
  deps.metrics.uploads.inc({ outcome: 'stored' });
  await deps.audit.record({ actor: by, action: 'release.uploaded', target: `release:${manifest.version}/${manifest.arch}`, details: { product: manifest.product, bytes: spooled.bytes, sha256: spooled.sha256, files: manifest.files.length }, ip });
  deps.logger.info({ version: manifest.version, arch: manifest.arch, bytes: spooled.bytes }, 'release stored');
  return release;
}

