import { newId } from '@smart-commune/shared';
import type { SelectQueryBuilder } from 'kysely';
import type { QueryDatabase } from '../db/query/index.js';
import type { Database } from '../db/query/tables.js';
import { notFound } from '../http/errors.js';
import { newTrackingCode, type NewReport, type ReportCategory, type ReportStatus } from './report-schemas.js';

export interface ReportRecord {
  id: string;
  code: string;
  category: ReportCategory;
  description: string;
  hamletCode: string;
  hamletName: string | null;
  /** The commune of the hamlet when it was filed (issue 10); null only for a row older than communes. */
  communeCode: string | null;
  lat: number | null;
  lon: number | null;
  phone: string | null;
  photo: { sha256: string; bytes: number } | null;
  status: ReportStatus;
  publicReply: string | null;
  repliedAt: number | null;
  handledBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ReportFilter {
  status?: ReportStatus;
  hamletCode?: string;
  /** One commune's reports only: what a commune's people are given (a province-level person: every commune). */
  communeCode?: string;
  category?: ReportCategory;
  from?: number;
  to?: number;
}

interface Row {
  id: string;
  code: string;
  category: ReportCategory;
  description: string;
  hamlet_code: string;
  hamlet_name: string | null;
  commune_code: string | null;
  lat: number | null;
  lon: number | null;
  phone: string | null;
  photo_sha256: string | null;
  photo_bytes: number | null;
  status: ReportStatus;
  public_reply: string | null;
  replied_at: number | null;
  handled_by: string | null;
  created_at: number;
  updated_at: number;
}

const toRecord = (r: Row): ReportRecord => ({
  id: r.id,
  code: r.code,
  category: r.category,
  description: r.description,
  hamletCode: r.hamlet_code,
  hamletName: r.hamlet_name,
  communeCode: r.commune_code,
  lat: r.lat,
  lon: r.lon,
  phone: r.phone,
  photo: r.photo_sha256 === null ? null : { sha256: r.photo_sha256, bytes: r.photo_bytes ?? 0 },
  status: r.status,
  publicReply: r.public_reply,
  repliedAt: r.replied_at,
  handledBy: r.handled_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** One filter for the page and its count. */
function filtered<Q extends SelectQueryBuilder<Database, 'reports', object>>(query: Q, f: ReportFilter): Q {
  let q = query as SelectQueryBuilder<Database, 'reports', object>;
  if (f.status !== undefined) q = q.where('reports.status', '=', f.status);
  if (f.hamletCode !== undefined) q = q.where('reports.hamlet_code', '=', f.hamletCode);
  if (f.communeCode !== undefined) q = q.where('reports.commune_code', '=', f.communeCode);
  if (f.category !== undefined) q = q.where('reports.category', '=', f.category);
  if (f.from !== undefined) q = q.where('reports.created_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('reports.created_at', '<', f.to);
  return q as Q;
}

/**
 * Citizens' reports, found by their tracking code. On the query layer (SQLite and PostgreSQL): a
 * report's commune is read from its hamlet in the statement that stores it, and a change is one
 * UPDATE, so two officers changing a report at once each change only what they gave.
 */
export class ReportStore {
  constructor(private readonly q: QueryDatabase) {}

  private selectReports() {
    return this.q.db.selectFrom('reports').leftJoin('hamlets', 'hamlets.code', 'reports.hamlet_code').selectAll('reports').select('hamlets.name as hamlet_name');
  }

  /** The commune a hamlet belongs to, and whether the province retired it; null when there is no such hamlet. */
  async communeOfHamlet(code: string): Promise<{ communeCode: string; retired: boolean } | null> {
    const row = await this.q.db
      .selectFrom('hamlets as h')
      .innerJoin('communes as c', 'c.code', 'h.commune_code')
      .select(['c.code', 'c.retired_at'])
      .where('h.code', '=', code)
      .executeTakeFirst();
    return row ? { communeCode: row.code, retired: row.retired_at !== null } : null;
  }

  /** Stores a report; its commune is its hamlet's, read in the same statement so the two cannot disagree. */
  async insert(report: NewReport, photo: { sha256: string; bytes: number } | null, now = Date.now()): Promise<ReportRecord> {
    for (;;) {
      const code = newTrackingCode();
      const inserted = await this.q.db
        .insertInto('reports')
        .values((eb) => ({
          id: newId('rep'),
          code,
          category: report.category,
          description: report.description,
          hamlet_code: report.hamlet,
          commune_code: eb.selectFrom('hamlets').select('commune_code').where('code', '=', report.hamlet),
          lat: report.lat ?? null,
          lon: report.lon ?? null,
          phone: report.phone ?? null,
          photo_sha256: photo?.sha256 ?? null,
          photo_bytes: photo?.bytes ?? null,
          created_at: now,
          updated_at: now,
        }))
        // 32^8 codes: a clash is rare, but then another code is drawn
        .onConflict((oc) => oc.column('code').doNothing())
        .returning('code')
        .executeTakeFirst();
      if (inserted) return this.byCode(code);
    }
  }

  async find(code: string): Promise<ReportRecord | null> {
    const row = await this.selectReports().where('reports.code', '=', code).executeTakeFirst();
    return row ? toRecord(row as Row) : null;
  }

  async byCode(code: string): Promise<ReportRecord> {
    const report = await this.find(code);
    if (!report) throw notFound(`report ${code}`);
    return report;
  }

  async page(filter: ReportFilter, limit: number, offset: number): Promise<{ items: ReportRecord[]; total: number }> {
    const [rows, count] = await Promise.all([
      filtered(this.selectReports(), filter).orderBy('reports.created_at', 'desc').orderBy('reports.id').limit(limit).offset(offset).execute(),
      filtered(this.q.db.selectFrom('reports').select((eb) => eb.fn.countAll<number | string | bigint>().as('total')), filter).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((r) => toRecord(r as Row)), total: Number(count.total) };
  }

  /**
   * Sets the status and public reply given (the others stay); the reply's time changes only when
   * its text does. One UPDATE: it compares with the row as it is when written.
   */
  async update(code: string, change: { status?: ReportStatus; publicReply?: string | null }, handledBy: string, now = Date.now()): Promise<ReportRecord> {
    const { publicReply } = change;
    const result = await this.q.db
      .updateTable('reports')
      .set((eb) => ({
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(publicReply !== undefined
          ? {
              public_reply: publicReply,
              replied_at: eb
                .case()
                .when(publicReply === null ? eb('public_reply', 'is', null) : eb('public_reply', '=', publicReply))
                .then(eb.ref('replied_at'))
                .else(eb.val(now))
                .end(),
            }
          : {}),
        handled_by: handledBy,
        updated_at: now,
      }))
      .where('code', '=', code)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw notFound(`report ${code}`);
    return this.byCode(code);
  }
}
