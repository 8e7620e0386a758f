import { newId, type AudioAsset } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { notFound } from '../../http/errors.js';

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
}

export type NewBulletin = Omit<Bulletin, 'id' | 'createdAt' | 'durationMs'>;

interface BulletinRow {
  id: string;
  title: string;
  kind: 'tts' | 'upload';
  text: string | null;
  spoken_text: string | null;
  voice: string | null;
  speed: number | null;
  original_name: string | null;
  asset_sha256: string;
  duration_ms: number;
  loudness_lufs: number;
  true_peak_dbtp: number;
  created_by: string | null;
  created_at: number;
  bytes: number;
  mime: AudioAsset['mime'];
}

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
});

/** Bulletins: a title, where the audio came from (speech or upload) and the normalised audio asset. */
export class BulletinStore {
  constructor(private readonly db: Db) {}

  create(input: NewBulletin): Bulletin {
    const id = newId('bul');
    this.db
      .prepare(
        `INSERT INTO bulletins (id, title, kind, text, spoken_text, voice, speed, original_name, asset_sha256, duration_ms,
           loudness_lufs, true_peak_dbtp, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      );
    return this.get(id);
  }

  get(id: string): Bulletin {
    const row = this.db.prepare(`${SELECT} WHERE b.id = ?`).get(id) as BulletinRow | undefined;
    if (!row) throw notFound(`bulletin ${id}`);
    return toBulletin(row);
  }

  list(options: { limit: number; offset: number; search?: string }): { bulletins: Bulletin[]; total: number } {
    const where = options.search ? 'WHERE b.title LIKE ? OR b.text LIKE ?' : '';
    const args = options.search ? [`%${options.search}%`, `%${options.search}%`] : [];
    const rows = this.db.prepare(`${SELECT} ${where} ORDER BY b.created_at DESC LIMIT ? OFFSET ?`).all(...args, options.limit, options.offset) as BulletinRow[];
    const total = this.db.prepare(`SELECT COUNT(*) FROM bulletins b ${where}`).pluck().get(...args) as number;
    return { bulletins: rows.map(toBulletin), total };
  }
}
