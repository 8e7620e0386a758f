import { liveStreamPath, type LiveEndReason, type LiveSource, type Priority } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import type { LiveSessionStatus, LiveSessionView } from './live-types.js';
import type { Selectable } from 'kysely';
import type { LiveSessionsTable } from '../../db/query/tables.js';

type Row = Omit<Selectable<LiveSessionsTable>, 'source' | 'priority' | 'end_reason'> & {
  source: LiveSource;
  priority: Priority;
  end_reason: LiveEndReason | null;
};

/** What a session is at its start: the view's fixed fields, and where its recording goes. */
export type NewLiveSession = Pick<
  LiveSessionView,
  'id' | 'source' | 'title' | 'priority' | 'edges' | 'hamletCodes' | 'zones' | 'startedBy' | 'origin' | 'startedAt' | 'epoch' | 'endsAt' | 'communeCode'
> & { file: string };

const toView = (r: Row): LiveSessionView => ({
  id: r.id,
  source: r.source,
  title: r.title,
  priority: r.priority,
  status: r.ended_at === null ? 'on_air' : 'ended',
  edges: JSON.parse(r.edges) as string[],
  hamletCodes: JSON.parse(r.hamlet_codes) as string[],
  zones: r.zones === null ? null : (JSON.parse(r.zones) as string[]),
  communeCode: r.commune_code,
  issuer: r.commune_code === null ? 'province' : 'commune',
  startedBy: r.started_by,
  origin: r.origin,
  startedAt: r.started_at,
  epoch: r.epoch,
  endsAt: r.ends_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  endDetail: r.end_detail,
  bytes: r.bytes,
  durationMs: r.duration_ms,
  bulletinId: r.bulletin_id,
  streamPath: liveStreamPath(r.id),
});

/** Live sessions on record: the ones on air and every one that ended (the station's log). */
export class LiveStore {
  constructor(private readonly db: Db) {}

  insert(s: NewLiveSession): void {
    this.db
      .prepare(
        `INSERT INTO live_sessions (id, source, title, priority, edges, hamlet_codes, zones, started_by, origin, started_at, epoch, ends_at, file, commune_code)
         VALUES (@id, @source, @title, @priority, @edges, @hamletCodes, @zones, @startedBy, @origin, @startedAt, @epoch, @endsAt, @file, @communeCode)`,
      )
      .run({ ...s, edges: JSON.stringify(s.edges), hamletCodes: JSON.stringify(s.hamletCodes), zones: s.zones === null ? null : JSON.stringify(s.zones) });
  }

  find(id: string): LiveSessionView | null {
    const row = this.db.prepare('SELECT * FROM live_sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toView(row) : null;
  }

  get(id: string): LiveSessionView {
    const s = this.find(id);
    if (!s) throw notFound(`live session ${id}`);
    return s;
  }

  file(id: string): string | null {
    return (this.db.prepare('SELECT file FROM live_sessions WHERE id = ?').pluck().get(id) as string | undefined) ?? null;
  }

  /** Newest first. */
  /** Newest first; `commune`: that commune's sessions and the province's (what its people see). */
  list(query: { status?: LiveSessionStatus; limit?: number; commune?: string } = {}): LiveSessionView[] {
    const conditions = [query.status === 'on_air' ? 'ended_at IS NULL' : query.status === 'ended' ? 'ended_at IS NOT NULL' : null, query.commune ? '(commune_code = ? OR commune_code IS NULL)' : null].filter(Boolean);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM live_sessions ${where} ORDER BY started_at DESC, id LIMIT ?`).all(...(query.commune ? [query.commune] : []), query.limit ?? 100) as Row[];
    return rows.map(toView);
  }

  /** Those on air, and those that ended at or after `since` (what the retained document lists): on air first, then the latest ended, 50 at most. */
  current(since: number): LiveSessionView[] {
    const rows = this.db
      .prepare('SELECT * FROM live_sessions WHERE ended_at IS NULL OR ended_at >= ? ORDER BY ended_at IS NULL DESC, ended_at DESC, started_at, id LIMIT 50')
      .all(since) as Row[];
    return rows.map(toView);
  }

  progress(id: string, bytes: number, durationMs: number): void {
    this.db.prepare('UPDATE live_sessions SET bytes = ?, duration_ms = ? WHERE id = ?').run(bytes, durationMs, id);
  }

  /** Ends it once: false when it had already ended. */
  end(id: string, at: number, reason: LiveEndReason, detail: string | null, by: string | null): boolean {
    return this.db.prepare('UPDATE live_sessions SET ended_at = ?, end_reason = ?, end_detail = ?, stopped_by = ? WHERE id = ? AND ended_at IS NULL').run(at, reason, detail, by, id).changes === 1;
  }

  /** Voice sessions ended since `since` with a recording and no archive bulletin yet. */
  unarchived(since: number): LiveSessionView[] {
    const rows = this.db
      .prepare("SELECT * FROM live_sessions WHERE source = 'voice' AND ended_at IS NOT NULL AND ended_at >= ? AND bulletin_id IS NULL AND bytes > 0 ORDER BY started_at LIMIT 100")
      .all(since) as Row[];
    return rows.map(toView);
  }

  setBulletin(id: string, bulletinId: string): void {
    this.db.prepare('UPDATE live_sessions SET bulletin_id = ? WHERE id = ?').run(bulletinId, id);
  }

  /** Sessions left on air by a cloud that stopped without ending them: ended now, interrupted. Returns their ids. */
  endOrphans(at: number): string[] {
    const ids = this.db.prepare('SELECT id FROM live_sessions WHERE ended_at IS NULL').pluck().all() as string[];
    for (const id of ids) this.end(id, at, 'interrupted', 'the cloud stopped during the session', null);
    return ids;
  }
}
