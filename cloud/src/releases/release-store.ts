import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { releaseBundlePath, type ReleaseArch, type ReleaseBundleRef, type ReleaseManifest } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
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

type ReleaseRow = Omit<ReleasesTable, 'arch' | 'product'> & { arch: ReleaseArch; product: 'edge' | 'cloud' };

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
    private readonly db: Db,
    readonly dir: string,
  ) {}

  list(): Release[] {
    const rows = this.db.prepare('SELECT * FROM releases ORDER BY uploaded_at DESC, arch').all() as ReleaseRow[];
    return rows.map(toRelease);
  }

  find(version: string, arch: ReleaseArch): Release | null {
    const row = this.db.prepare('SELECT * FROM releases WHERE version = ? AND arch = ?').get(version, arch) as ReleaseRow | undefined;
    return row ? toRelease(row) : null;
  }

  /** The bundles of a version (one per architecture), as a box is told about them. */
  bundles(version: string): ReleaseBundleRef[] {
    const rows = this.db.prepare("SELECT arch, bytes, sha256 FROM releases WHERE version = ? AND product = 'edge' ORDER BY arch").all(version) as Pick<ReleaseRow, 'arch' | 'bytes' | 'sha256'>[];
    return rows.map((r) => ({ arch: r.arch, path: releaseBundlePath(version, r.arch), bytes: r.bytes, sha256: r.sha256 }));
  }

  /** The bundle file of a stored release, or null. */
  filePath(version: string, arch: ReleaseArch): string | null {
    const name = this.db.prepare('SELECT file_name FROM releases WHERE version = ? AND arch = ?').pluck().get(version, arch) as string | undefined;
    return name ? join(this.dir, name) : null;
  }

  insert(row: { manifest: ReleaseManifest; manifestJson: string; bytes: number; sha256: string; fileName: string; uploadedBy: string; at: number }): Release {
    const { manifest } = row;
    this.db
      .prepare('INSERT INTO releases (version, arch, product, bytes, sha256, file_name, manifest, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(manifest.version, manifest.arch, manifest.product, row.bytes, row.sha256, row.fileName, row.manifestJson, row.uploadedBy, row.at);
    return this.find(manifest.version, manifest.arch)!;
  }

  /** Removes the row and its file; returns false when there was none. */
  delete(version: string, arch: ReleaseArch): boolean {
    const file = this.filePath(version, arch);
    if (!file) return false;
    this.db.prepare('DELETE FROM releases WHERE version = ? AND arch = ?').run(version, arch);
    rmSync(file, { force: true });
    return true;
  }
}
