import { newId, type AudioAsset } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { conflict, notFound } from '../../http/errors.js';
import { assertSees, communeClause, type Scoped } from '../../communes/scope.js';
import { assertMayChangeItem } from '../scope/radio-scope.js';
import type { AudioAssetsTable, BulletinsTable } from '../../db/query/tables.js';

export interface Bulletin {
  id: string;
  title: string;
  kind: 'tts' | 'upload';
  text: string | null;
  spokenText: string | null;
  voice: string | null;
  speed: number | null;
  originalName: string | null;
  asset: AudioAsset;
  durationMs: number;
  integratedLufs: number;
  truePeakDbtp: number;
  createdBy: string | null;
  createdAt: number;
  /** The commune it belongs to; null: the province's own (a province-wide programme), read-only for communes. */
  communeCode: string | null;
}

export type NewBulletin = Omit<Bulletin, 'id' | 'createdAt' | 'durationMs' | 'communeCode'> & { communeCode?: string | null };

/** A bulletin with its audio asset's size and type (SELECT). */
type BulletinRow = Omit<BulletinsTable, 'kind'> & { kind: 'tts' | 'upload' } & Pick<AudioAssetsTable, 'bytes'> & { mime: AudioAsset['mime'] };

const SELECT = 'SELECT b.*, a.bytes, a.mime FROM bulletins b JOIN audio_assets a ON a.sha256 = b.asset_sha256';

const toBulletin = (r: BulletinRow): Bulletin => ({
  id: r.id,
  title: r.title,
  kind: r.kind,
  text: r.text,
  spokenText: r.spoken_text,
  voice: r.voice,
  speed: r.speed,
  originalName: r.original_name,
  asset: { sha256: r.asset_sha256, bytes: r.bytes, durationMs: r.duration_ms, mime: r.mime },
  durationMs: r.duration_ms,
  integratedLufs: r.loudness_lufs,
  truePeakDbtp: r.true_peak_dbtp,
  createdBy: r.created_by,
  createdAt: r.created_at,
  communeCode: r.commune_code,
});

/** Bulletins: a title, where the audio came from (speech or upload) and the normalised audio asset. */
export class BulletinStore {
  constructor(private readonly db: Db) {}

  create(input: NewBulletin): Bulletin {
    const id = newId('bul');
    this.db
      .prepare(
        `INSERT INTO bulletins (id, title, kind, text, spoken_text, voice, speed, original_name, asset_sha256, duration_ms,
           loudness_lufs, true_peak_dbtp, created_by, created_at, commune_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.title,
        input.kind,
        input.text,
        input.spokenText,
        input.voice,
        input.speed,
        input.originalName,
        input.asset.sha256,
        input.asset.durationMs,
        input.integratedLufs,
        input.truePeakDbtp,
        input.createdBy,
        Date.now(),
        input.communeCode ?? null,
      );
    return this.get(id);
  }

  /** With `viewer`: another commune's bulletin answers 404 like a missing one. */
  get(id: string, viewer?: Scoped): Bulletin {
    const row = this.db.prepare(`${SELECT} WHERE b.id = ?`).get(id) as BulletinRow | undefined;
    if (!row) throw notFound(`bulletin ${id}`);
    if (viewer) assertSees(viewer, row.commune_code, `bulletin ${id}`);
    return toBulletin(row);
  }

  /**
   * Deletes a bulletin nothing refers to (a draft); one that was scheduled, alerted or played stays on
   * record. With `viewer`: only one they may change (the province's own answers 403 to a commune).
   */
  delete(id: string, viewer?: Scoped): void {
    const bulletin = this.get(id);
    if (viewer) assertMayChangeItem(viewer, bulletin.communeCode, `bulletin ${id}`);
    const used = this.db
      .prepare(
        `SELECT (SELECT title FROM schedules WHERE bulletin_id = ? LIMIT 1) AS schedule,
                EXISTS (SELECT 1 FROM alerts WHERE bulletin_id = ?) AS alerted,
                EXISTS (SELECT 1 FROM playback WHERE bulletin_id = ?) AS played`,
      )
      .get(id, id, id) as { schedule: string | null; alerted: number; played: number };
    if (used.schedule !== null) throw conflict(`bulletin ${id} is used by the schedule "${used.schedule}"; delete that first`);
    if (used.alerted || used.played) throw conflict(`bulletin ${id} was broadcast; it stays on record`);
    this.db.prepare('DELETE FROM bulletins WHERE id = ?').run(id);
  }

  /**
   * Whether a box may fetch an audio asset: a bulletin of its commune or of the province's own plays
   * it. Assets are content-addressed and shared (two communes uploading one file store it once), so
   * who may fetch one follows the bulletins that use it, not the asset row.
   */
  assetFor(sha256: string, edgeId: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM bulletins b WHERE b.asset_sha256 = ? AND (b.commune_code IS NULL OR b.commune_code =
             (SELECT h.commune_code FROM edges e JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id = ?)) LIMIT 1`,
        )
        .get(sha256, edgeId) !== undefined
    );
  }

  /** Newest first; with `viewer`, only what they see (their commune's and the province's own). */
  list(options: { limit: number; offset: number; search?: string; viewer?: Scoped }): { bulletins: Bulletin[]; total: number } {
    const scope = options.viewer ? communeClause(options.viewer, 'b.commune_code') : { sql: '', params: [] };
    const where = `WHERE 1 = 1${options.search ? ' AND (b.title LIKE ? OR b.text LIKE ?)' : ''}${scope.sql}`;
    const args = [...(options.search ? [`%${options.search}%`, `%${options.search}%`] : []), ...scope.params];
    const rows = this.db.prepare(`${SELECT} ${where} ORDER BY b.created_at DESC LIMIT ? OFFSET ?`).all(...args, options.limit, options.offset) as BulletinRow[];
    const total = this.db.prepare(`SELECT COUNT(*) FROM bulletins b ${where}`).pluck().get(...args) as number;
    return { bulletins: rows.map(toBulletin), total };
  }
}
