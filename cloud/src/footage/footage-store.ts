import { newId, type FootageEvent, type FootageItem, type TimeRange } from '@smart-commune/shared';
import { edgeCommuneSql } from '../communes/edge-commune.js';
import type { Db } from '../db/database.js';
import type { Selectable } from 'kysely';
import type { FootageRequestsTable } from '../db/query/tables.js';

export type FootageState = 'waiting' | FootageEvent['outcome'];

export interface FootageRequest {
  id: string;
  edgeId: string;
  cameraId: string;
  fromMs: number;
  toMs: number;
  reason: string;
  requestedBy: string | null;
  /** The box's commune when the request was made: whose police follow it. */
  communeCode: string | null;
  state: FootageState;
  /** The evidence item the footage became ('done', 'partial'). */
  incidentId: string | null;
  /** Parts of the range the box did not hold. */
  missing: TimeRange[];
  /** What the box held of the camera when it answered. */
  held: TimeRange | null;
  error: string | null;
  createdAt: number;
  answeredAt: number | null;
}

type Row = Omit<Selectable<FootageRequestsTable>, 'state'> & { state: FootageState };

const toRequest = (r: Row): FootageRequest => ({
  id: r.id,
  edgeId: r.edge_id,
  cameraId: r.camera_id,
  fromMs: r.from_ms,
  toMs: r.to_ms,
  reason: r.reason,
  requestedBy: r.requested_by,
  communeCode: r.commune_code,
  state: r.state,
  incidentId: r.incident_id,
  missing: JSON.parse(r.missing) as TimeRange[],
  held: r.held ? (JSON.parse(r.held) as TimeRange) : null,
  error: r.error,
  createdAt: r.created_at,
  answeredAt: r.answered_at,
});

export interface FootageFilter {
  /** Only this commune's requests (a commune's police are held to theirs). */
  communeCode?: string;
  edgeId?: string;
  state?: FootageState;
  limit?: number;
}

/** Footage asked for by time: who asked what, and what the box answered. */
export class FootageStore {
  constructor(private readonly db: Db) {}

  create(input: { edgeId: string; cameraId: string; fromMs: number; toMs: number; reason: string; requestedBy: string | null }, now = Date.now()): FootageRequest {
    const id = newId('ftg', 16);
    this.db
      .prepare(
        `INSERT INTO footage_requests (id, edge_id, camera_id, from_ms, to_ms, reason, requested_by, state, created_at, commune_code)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ${edgeCommuneSql('?')})`,
      )
      .run(id, input.edgeId, input.cameraId, input.fromMs, input.toMs, input.reason, input.requestedBy, now, input.edgeId);
    return this.get(id)!;
  }

  get(id: string): FootageRequest | null {
    const row = this.db.prepare('SELECT * FROM footage_requests WHERE id = ?').get(id) as Row | undefined;
    return row ? toRequest(row) : null;
  }

  list(filter: FootageFilter = {}): FootageRequest[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.communeCode) (where.push('commune_code = ?'), args.push(filter.communeCode));
    if (filter.edgeId) (where.push('edge_id = ?'), args.push(filter.edgeId));
    if (filter.state) (where.push('state = ?'), args.push(filter.state));
    const sql = `SELECT * FROM footage_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 100) as Row[]).map(toRequest);
  }

  /** What the box still has to answer, oldest first, as its `footage` document lists them. */
  waiting(edgeId: string, limit: number): FootageItem[] {
    const rows = this.db
      .prepare("SELECT * FROM footage_requests WHERE edge_id = ? AND state = 'waiting' ORDER BY created_at LIMIT ?")
      .all(edgeId, limit) as Row[];
    return rows.map((r) => ({ id: r.id, cameraId: r.camera_id, fromMs: r.from_ms, toMs: r.to_ms }));
  }

  /** Records the box's answer once; a resent or foreign answer changes nothing (false). */
  answer(edgeId: string, event: FootageEvent, now = Date.now()): boolean {
    return (
      this.db
        .prepare(
          `UPDATE footage_requests SET state = ?, incident_id = ?, missing = ?, held = ?, error = ?, answered_at = ?
           WHERE id = ? AND edge_id = ? AND state = 'waiting'`,
        )
        .run(event.outcome, event.incidentId, JSON.stringify(event.missing), event.held ? JSON.stringify(event.held) : null, event.error ?? null, now, event.requestId, edgeId).changes === 1
    );
  }
}
