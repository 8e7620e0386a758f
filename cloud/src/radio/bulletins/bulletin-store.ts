import { newId, type AudioAsset } from '@smart-commune/shared';
import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { likeLiteral, likeNoCase, type QueryDatabase } from '../../db/query/index.js';
import { conflict, notFound } from '../../http/errors.js';
import { assertSees, type Scoped } from '../../communes/scope.js';
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
  constructor(private readonly q: QueryDatabase) {}

  /** A bulletin with its audio asset's size and type. */
  private select() {
    return this.q.db.selectFrom('bulletins as b').innerJoin('audio_assets as a', 'a.sha256', 'b.asset_sha256').selectAll('b').select(['a.bytes', 'a.mime']);
  }

  async create(input: NewBulletin): Promise<Bulletin> {
    const id = newId('bul');
    await this.q.db
      .insertInto('bulletins')
      .values({
        id,
        title: input.title,
        kind: input.kind,
        text: input.text,
        spoken_text: input.spokenText,
        voice: input.voice,
        speed: input.speed,
        original_name: input.originalName,
        asset_sha256: input.asset.sha256,
        duration_ms: input.asset.durationMs,
        loudness_lufs: input.integratedLufs,
        true_peak_dbtp: input.truePeakDbtp,
        created_by: input.createdBy,
        created_at: Date.now(),
        commune_code: input.communeCode ?? null,
      })
      .execute();
    return this.get(id);
  }

  /** With `viewer`: another commune's bulletin answers 404 like a missing one. */
  async get(id: string, viewer?: Scoped): Promise<Bulletin> {
    const row = await this.select().where('b.id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`bulletin ${id}`);
    if (viewer) assertSees(viewer, row.commune_code, `bulletin ${id}`);
    return toBulletin(row as BulletinRow);
  }

  /**
   * Deletes a bulletin nothing refers to (a draft); one that was scheduled, alerted or played stays on
   * record. With `viewer`: only one they may change (the province's own answers 403 to a commune).
   * The delete itself is conditional (one statement), so a schedule or a play recorded meanwhile keeps it.
   */
  async delete(id: string, viewer?: Scoped): Promise<void> {
    const bulletin = await this.get(id);
    if (viewer) assertMayChangeItem(viewer, bulletin.communeCode, `bulletin ${id}`);
    const { db } = this.q;
    const [schedule, alerted, played] = await Promise.all([
      db.selectFrom('schedules').select('title').where('bulletin_id', '=', id).limit(1).executeTakeFirst(),
      db.selectFrom('alerts').select('id').where('bulletin_id', '=', id).limit(1).executeTakeFirst(),
      db.selectFrom('playback').select('event_id').where('bulletin_id', '=', id).limit(1).executeTakeFirst(),
    ]);
    if (schedule) throw conflict(`bulletin ${id} is used by the schedule "${schedule.title}"; delete that first`);
    if (alerted || played) throw conflict(`bulletin ${id} was broadcast; it stays on record`);
    const deleted = await db
      .deleteFrom('bulletins')
      .where('id', '=', id)
      .where(({ not, exists, selectFrom, or }) =>
        not(
          or([
            exists(selectFrom('schedules').select(sql.lit(1).as('one')).where('bulletin_id', '=', id)),
            exists(selectFrom('alerts').select(sql.lit(1).as('one')).where('bulletin_id', '=', id)),
            exists(selectFrom('playback').select(sql.lit(1).as('one')).where('bulletin_id', '=', id)),
          ]),
        ),
      )
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw conflict(`bulletin ${id} was scheduled or broadcast meanwhile; it stays on record`);
  }

  /**
   * Whether a box may fetch an audio asset: a bulletin of its commune or of the province's own plays
   * it. Assets are content-addressed and shared (two communes uploading one file store it once), so
   * who may fetch one follows the bulletins that use it, not the asset row.
   */
  async assetFor(sha256: string, edgeId: string): Promise<boolean> {
    const row = await this.q.db
      .selectFrom('bulletins as b')
      .select(sql.lit(1).as('one'))
      .where('b.asset_sha256', '=', sha256)
      .where((eb) =>
        eb.or([
          eb('b.commune_code', 'is', null),
          eb('b.commune_code', '=', eb.selectFrom('edges as e').innerJoin('hamlets as h', 'h.code', 'e.hamlet_code').select('h.commune_code').where('e.id', '=', edgeId)),
        ]),
      )
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Newest first; with `viewer`, only what they see (their commune's and the province's own). */
  async list(options: { limit: number; offset: number; search?: string; viewer?: Scoped }): Promise<{ bulletins: Bulletin[]; total: number }> {
    const d = this.q.dialect;
    const commune = options.viewer?.communeCode ?? null;
    const pattern = options.search ? `%${likeLiteral(options.search)}%` : null;
    // the same conditions on the page and on its count
    const conditions: Expression<SqlBool>[] = [];
    if (pattern !== null) conditions.push(sql<SqlBool>`(${likeNoCase(d, sql.ref('b.title'), pattern)} OR ${likeNoCase(d, sql.ref('b.text'), pattern)})`);
    if (commune !== null) conditions.push(sql<SqlBool>`(b.commune_code = ${commune} OR b.commune_code IS NULL)`);
    const where = <QB extends SelectQueryBuilder<any, any, any>>(qb: QB): QB => conditions.reduce((out, c) => out.where(c) as QB, qb);
    const [rows, count] = await Promise.all([
      where(this.select()).orderBy('b.created_at', 'desc').limit(options.limit).offset(options.offset).execute(),
      where(this.q.db.selectFrom('bulletins as b').select((eb) => eb.fn.countAll<number>().as('n'))).executeTakeFirstOrThrow(),
    ]);
    return { bulletins: rows.map((r) => toBulletin(r as BulletinRow)), total: Number(count.n) };
  }
}
