import type { AudioAsset } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';

/** A bulletin as the radio plays it: its title, duration and distribution-ready audio asset. */
export interface BulletinAudio {
  id: string;
  title: string;
  durationMs: number;
  asset: AudioAsset;
  /** The bulletin's commune; null: the province's own, which every commune may schedule. */
  communeCode: string | null;
}

interface Row {
  id: string;
  title: string;
  duration_ms: number;
  sha256: string;
  bytes: number;
  asset_duration_ms: number;
  mime: AudioAsset['mime'];
  commune_code: string | null;
}

const SELECT = `
  SELECT b.id, b.title, b.duration_ms, b.commune_code, a.sha256, a.bytes, a.duration_ms AS asset_duration_ms, a.mime
  FROM bulletins b JOIN audio_assets a ON a.sha256 = b.asset_sha256`;

const toAudio = (r: Row): BulletinAudio => ({
  id: r.id,
  title: r.title,
  durationMs: r.duration_ms,
  asset: { sha256: r.sha256, bytes: r.bytes, durationMs: r.asset_duration_ms, mime: r.mime },
  communeCode: r.commune_code,
});

/** Read-only view of the bulletins library (the bulletins domain owns the tables). */
export class BulletinAudioLookup {
  constructor(private readonly db: Db) {}

  find(id: string): BulletinAudio | null {
    const row = this.db.prepare(`${SELECT} WHERE b.id = ?`).get(id) as Row | undefined;
    return row ? toAudio(row) : null;
  }

  /** Every bulletin in the list that exists, by id. */
  findMany(ids: readonly string[]): Map<string, BulletinAudio> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = this.db.prepare(`${SELECT} WHERE b.id IN (${unique.map(() => '?').join(',')})`).all(...unique) as Row[];
    return new Map(rows.map((r) => [r.id, toAudio(r)]));
  }
}
