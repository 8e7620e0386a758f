import type { Db } from '../../db/database.js';

/** A bulletin the public may read and hear: one that was scheduled, sent as an alert, or played. */
export interface PublicNotice {
  id: string;
  title: string;
  text: string | null;
  durationMs: number;
  audio: { sha256: string; bytes: number; mime: string };
  publishedAt: number;
}

interface Row {
  id: string;
  title: string;
  text: string | null;
  duration_ms: number;
  sha256: string;
  bytes: number;
  mime: string;
  published_at: number;
}

// A draft (a bulletin only saved or previewed) is in none of these tables, so it is never public.
const PUBLISHED = `WITH published AS (
    SELECT bulletin_id AS id, MIN(created_at) AS at FROM schedules WHERE bulletin_id IS NOT NULL AND enabled = 1 GROUP BY bulletin_id
    UNION ALL SELECT bulletin_id, MIN(starts_at) FROM alerts GROUP BY bulletin_id
    UNION ALL SELECT bulletin_id, MIN(COALESCE(actual_start_at, planned_start_at)) FROM playback WHERE bulletin_id IS NOT NULL GROUP BY bulletin_id
  )
  SELECT b.id, b.title, b.text, b.duration_ms, a.sha256, a.bytes, a.mime, MIN(p.at) AS published_at
  FROM published p JOIN bulletins b ON b.id = p.id JOIN audio_assets a ON a.sha256 = b.asset_sha256`;

/**
 * Whose notices (issue 10): a commune's page lists its own bulletins and the province's (commune_code
 * NULL); `province` the province's own only; `all` every commune's (an audio link of the old pages).
 */
export type NoticeScope = { communeCode: string } | 'province' | 'all';

function scopeClause(scope: NoticeScope): { sql: string; params: string[] } {
  if (scope === 'all') return { sql: '', params: [] };
  if (scope === 'province') return { sql: ' AND b.commune_code IS NULL', params: [] };
  return { sql: ' AND (b.commune_code = ? OR b.commune_code IS NULL)', params: [scope.communeCode] };
}

const toNotice = (r: Row): PublicNotice => ({
  id: r.id,
  title: r.title,
  text: r.text,
  durationMs: r.duration_ms,
  audio: { sha256: r.sha256, bytes: r.bytes, mime: r.mime },
  publishedAt: r.published_at,
});

/** The public, read-only view of the radio's bulletins (commune plan criterion 1.3). */
export class PublicNotices {
  constructor(private readonly db: Db) {}

  recent(limit = 30, scope: NoticeScope = 'all'): PublicNotice[] {
    const where = scopeClause(scope);
    return (this.db.prepare(`${PUBLISHED} WHERE 1 = 1${where.sql} GROUP BY b.id ORDER BY published_at DESC, b.id LIMIT ?`).all(...where.params, limit) as Row[]).map(toNotice);
  }

  /** A published notice by id, within `scope`: another commune's is null, as if it did not exist. */
  get(id: string, scope: NoticeScope = 'all'): PublicNotice | null {
    const where = scopeClause(scope);
    const row = this.db.prepare(`${PUBLISHED} WHERE b.id = ?${where.sql} GROUP BY b.id`).get(id, ...where.params) as Row | undefined;
    return row ? toNotice(row) : null;
  }
}
