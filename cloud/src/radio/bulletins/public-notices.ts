import type { QueryDatabase } from '../../db/query/index.js';

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

/**
 * Whose notices (issue 10): a commune's page lists its own bulletins and the province's (commune_code
 * NULL); `province` the province's own only; `all` every commune's (an audio link of the old pages).
 */
export type NoticeScope = { communeCode: string } | 'province' | 'all';

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
  constructor(private readonly q: QueryDatabase) {}

  /**
   * The published bulletins within `scope`, with when each was first published. A draft (a bulletin
   * only saved or previewed) is in none of schedules, alerts and playback, so it is never public.
   */
  private published(scope: NoticeScope) {
    let query = this.q.db
      .with('published', (db) =>
        db
          .selectFrom('schedules')
          .select((eb) => ['bulletin_id as id', eb.fn.min('created_at').as('at')])
          .where('bulletin_id', 'is not', null)
          .where('enabled', '=', 1)
          .groupBy('bulletin_id')
          .unionAll(db.selectFrom('alerts').select((eb) => ['bulletin_id as id', eb.fn.min('starts_at').as('at')]).groupBy('bulletin_id'))
          .unionAll(
            db
              .selectFrom('playback')
              .select((eb) => ['bulletin_id as id', eb.fn.min(eb.fn.coalesce('actual_start_at', 'planned_start_at')).as('at')])
              .where('bulletin_id', 'is not', null)
              .groupBy('bulletin_id'),
          ),
      )
      .selectFrom('published as p')
      .innerJoin('bulletins as b', 'b.id', 'p.id')
      .innerJoin('audio_assets as a', 'a.sha256', 'b.asset_sha256')
      .select((eb) => ['b.id', 'b.title', 'b.text', 'b.duration_ms', 'a.sha256', 'a.bytes', 'a.mime', eb.fn.min('p.at').as('published_at')])
      .groupBy(['b.id', 'b.title', 'b.text', 'b.duration_ms', 'a.sha256', 'a.bytes', 'a.mime']);
    if (scope === 'province') query = query.where('b.commune_code', 'is', null);
    else if (scope !== 'all') {
      const commune = scope.communeCode;
      query = query.where((eb) => eb.or([eb('b.commune_code', '=', commune), eb('b.commune_code', 'is', null)]));
    }
    return query;
  }

  async recent(limit = 30, scope: NoticeScope = 'all'): Promise<PublicNotice[]> {
    const rows = await this.published(scope).orderBy('published_at', 'desc').orderBy('b.id').limit(limit).execute();
    return rows.map((r) => toNotice(r as Row));
  }

  /** A published notice by id, within `scope`: another commune's is null, as if it did not exist. */
  async get(id: string, scope: NoticeScope = 'all'): Promise<PublicNotice | null> {
    const row = await this.published(scope).where('b.id', '=', id).executeTakeFirst();
    return row ? toNotice(row as Row) : null;
  }
}
