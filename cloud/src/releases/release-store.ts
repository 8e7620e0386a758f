import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { releaseBundlePath, type ReleaseArch, type ReleaseBundleRef, type ReleaseManifest } from '@smart-commune/shared';
import type { QueryDatabase } from '../db/query/connect.js';
import { releaseLock } from './rollout-store.js';
import type { Selectable } from 'kysely';
import type { ReleasesTable } from '../db/query/tables.js';


export interface Release {
  version: string;
  arch: ReleaseArch;
  product: 'edge' | 'cloud';
  bytes: number;
  sha256: string;
  /** Number of files the signed manifest lists. */
  files: number;
  minCloudVersion: string | null;
  contractVersion: string | null;
  uploadedBy: string;
  uploadedAt: number;
}

type ReleaseRow = Omit<Selectable<ReleasesTable>, 'arch' | 'product'> & { arch: ReleaseArch; product: 'edge' | 'cloud' };

function toRelease(row: ReleaseRow): Release {
  const manifest = JSON.parse(row.manifest) as ReleaseManifest;
  return {
    version: row.version,
    arch: row.arch,
    product: row.product,
    bytes: row.bytes,
    sha256: row.sha256,
    files: manifest.files.length,
    minCloudVersion: manifest.minCloudVersion,
    contractVersion: manifest.contractVersion,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
  };
}

/** Uploaded, checked release bundles: files under `<dir>`, one row each with the manifest that was verified. */
export class ReleaseStore {
  constructor(
    private readonly q: Pick<QueryDatabase, 'db' | 'dialect'>,
    readonly dir: string,
  ) {}

  async list(): Promise<Release[]> {
    const rows = await this.q.db.selectFrom('releases').selectAll().orderBy('uploaded_at', 'desc').orderBy('arch').execute();
    return rows.map((r) => toRelease(r as ReleaseRow));
  }

  async find(version: string, arch: ReleaseArch): Promise<Release | null> {
    const row = await this.q.db.selectFrom('releases').selectAll().where('version', '=', version).where('arch', '=', arch).executeTakeFirst();
    return row ? toRelease(row as ReleaseRow) : null;
  }

  /** The bundles of a version (one per architecture), as a box is told about them. */
  async bundles(version: string): Promise<ReleaseBundleRef[]> {
    const rows = await this.q.db.selectFrom('releases').select(['arch', 'bytes', 'sha256']).where('version', '=', version).where('product', '=', 'edge').orderBy('arch').execute();
    return rows.map((r) => ({ arch: r.arch as ReleaseArch, path: releaseBundlePath(version, r.arch as ReleaseArch), bytes: r.bytes, sha256: r.sha256 }));
  }

  /** The bundle file of a stored release, or null. */
  async filePath(version: string, arch: ReleaseArch): Promise<string | null> {
    const row = await this.q.db.selectFrom('releases').select('file_name').where('version', '=', version).where('arch', '=', arch).executeTakeFirst();
    return row ? join(this.dir, row.file_name) : null;
  }

  /**
   * Stores a checked bundle's row, or null when that version and architecture is already stored: one
   * INSERT … ON CONFLICT DO NOTHING, so of two uploads of the same bundle at once exactly one gets it
   * (the caller then moves its file into place; the other leaves the stored file alone).
   */
  async insert(row: { manifest: ReleaseManifest; manifestJson: string; bytes: number; sha256: string; fileName: string; uploadedBy: string; at: number }): Promise<Release | null> {
    const { manifest } = row;
    const stored = await this.q.db
      .insertInto('releases')
      .values({
        version: manifest.version,
        arch: manifest.arch,
        product: manifest.product,
        bytes: row.bytes,
        sha256: row.sha256,
        file_name: row.fileName,
        manifest: row.manifestJson,
        uploaded_by: row.uploadedBy,
        uploaded_at: row.at,
      })
      .onConflict((oc) => oc.columns(['version', 'arch']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return stored ? toRelease(stored as ReleaseRow) : null;
  }

  /**
   * Removes the row and its file unless a rollout of its version is under way (running or paused):
   * one DELETE … WHERE NOT EXISTS, so no rollout check can go stale before the delete. `in_use` then
   * names that rollout; `missing` when there was no such release (or another request removed it first).
   */
  async deleteUnlessRolledOut(version: string, arch: ReleaseArch): Promise<{ deleted: true } | { deleted: false; reason: 'missing' } | { deleted: false; reason: 'in_use'; rollout: { id: string; state: string } }> {
    // the version's lock first (shared with a rollout's creation): the DELETE then reads any rollout created meanwhile
    const removed = await this.q.db.transaction().execute(async (trx) => {
      for (const statement of releaseLock(this.q.dialect, version)) await statement.execute(trx);
      return trx
        .deleteFrom('releases')
        .where('version', '=', version)
        .where('arch', '=', arch)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('rollouts as r').select('r.id').whereRef('r.version', '=', 'releases.version').where('r.state', 'in', ['running', 'paused']))),
        )
        .returning('file_name')
        .executeTakeFirst();
    });
    if (removed) {
      rmSync(join(this.dir, removed.file_name), { force: true });
      return { deleted: true };
    }
    // refused or absent: a second read only says which
    const rollout = await this.q.db.selectFrom('rollouts').select(['id', 'state']).where('version', '=', version).where('state', 'in', ['running', 'paused']).limit(1).executeTakeFirst();
    const stored = await this.q.db.selectFrom('releases').select('version').where('version', '=', version).where('arch', '=', arch).executeTakeFirst();
    return stored && rollout ? { deleted: false, reason: 'in_use', rollout } : { deleted: false, reason: 'missing' };
  }

  /** Removes the row and its file; returns false when there was none (or another request removed it first). */
  async delete(version: string, arch: ReleaseArch): Promise<boolean> {
    const removed = await this.q.db.deleteFrom('releases').where('version', '=', version).where('arch', '=', arch).returning('file_name').executeTakeFirst();
    if (!removed) return false;
    rmSync(join(this.dir, removed.file_name), { force: true });
    return true;
  }
}
