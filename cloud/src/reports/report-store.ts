import { newId } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import { notFound } from '../http/errors.js';
import { newTrackingCode, type NewReport, type ReportCategory, type ReportStatus } from './report-schemas.js';
import { whereOf } from '../db/where.js';

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

const SELECT = 'SELECT r.*, h.name AS hamlet_name FROM reports r LEFT JOIN hamlets h ON h.code = r.hamlet_code';
const whereFor = (f: ReportFilter) =>
  whereOf([
    ['r.status = @status', 'status', f.status],
    ['r.hamlet_code = @hamletCode', 'hamletCode', f.hamletCode],
    ['r.commune_code = @communeCode', 'communeCode', f.communeCode],
    ['r.category = @category', 'category', f.category],
    ['r.created_at >= @from', 'from', f.from],
    ['r.created_at < @to', 'to', f.to],
  ]);

/** Citizens' reports in SQLite, found by their tracking code. */
export class ReportStore {
  constructor(private readonly db: Db) {}

  /** The commune a hamlet belongs to, and whether the province retired it; null when there is no such hamlet. */
  communeOfHamlet(code: string): { communeCode: string; retired: boolean } | null {
    const row = this.db.prepare('SELECT c.code, c.retired_at FROM hamlets h JOIN communes c ON c.code = h.commune_code WHERE h.code = ?').get(code) as
      | { code: string; retired_at: number | null }
      | undefined;
    return row ? { communeCode: row.code, retired: row.retired_at !== null } : null;
  }

  /** Stores a report; its commune is its hamlet's, read in the same statement so the two cannot disagree. */
  insert(report: NewReport, photo: { sha256: string; bytes: number } | null, now = Date.now()): ReportRecord {
    const insert = this.db.prepare(
      `INSERT INTO reports (id, code, category, description, hamlet_code, commune_code, lat, lon, phone, photo_sha256, photo_bytes, created_at, updated_at)
       VALUES (@id, @code, @category, @description, @hamlet, (SELECT commune_code FROM hamlets WHERE code = @hamlet), @lat, @lon, @phone, @photoSha, @photoBytes, @now, @now)`,
    );
    for (;;) {
      const code = newTrackingCode();
      if (this.db.prepare('SELECT 1 FROM reports WHERE code = ?').get(code)) continue; // 32^8 codes: a clash is rare, but retry
      const id = newId('rep');
      insert.run({ id, code, category: report.category, description: report.description, hamlet: report.hamlet, lat: report.lat ?? null, lon: report.lon ?? null, phone: report.phone ?? null, photoSha: photo?.sha256 ?? null, photoBytes: photo?.bytes ?? null, now });
      return this.byCode(code);
    }
  }

  find(code: string): ReportRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE r.code = ?`).get(code) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  byCode(code: string): ReportRecord {
    const report = this.find(code);
    if (!report) throw notFound(`report ${code}`);
    return report;
  }

  page(filter: ReportFilter, limit: number, offset: number): { items: ReportRecord[]; total: number } {
    const where = whereFor(filter);
    const rows = this.db.prepare(`${SELECT} ${where.sql} ORDER BY r.created_at DESC, r.id LIMIT @limit OFFSET @offset`).all({ ...where.params, limit, offset }) as Row[];
    const { total } = this.db.prepare(`SELECT COUNT(*) AS total FROM reports r ${where.sql}`).get(where.params) as { total: number };
    return { items: rows.map(toRecord), total };
  }

  update(code: string, change: { status?: ReportStatus; publicReply?: string | null }, handledBy: string, now = Date.now()): ReportRecord {
    const before = this.byCode(code);
    const replyChanged = change.publicReply !== undefined && change.publicReply !== before.publicReply;
    this.db
      .prepare('UPDATE reports SET status = ?, public_reply = ?, replied_at = ?, handled_by = ?, updated_at = ? WHERE code = ?')
      .run(change.status ?? before.status, replyChanged ? change.publicReply : before.publicReply, replyChanged ? now : before.repliedAt, handledBy, now, code);
    return this.byCode(code);
  }
}
