import { newId, type FootageEvent, type FootageItem, type TimeRange } from '@smart-commune/shared';
import type { QueryDatabase } from '../db/query/index.js';
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

/**
 * Footage asked for by time: who asked what, and what the box answered. On the query layer (SQLite and
 * PostgreSQL); the box's answer is one conditional UPDATE, so a resent answer changes nothing.
 */
export class FootageStore {
  constructor(private readonly q: QueryDatabase) {}

  async create(input: { edgeId: string; cameraId: string; fromMs: number; toMs: number; reason: string; requestedBy: string | null }, now = Date.now()): Promise<FootageRequest> {
    const id = newId('ftg', 16);
    await this.q.db
      .insertInto('footage_requests')
      .values((eb) => ({
        id,
        edge_id: input.edgeId,
        camera_id: input.cameraId,
        from_ms: input.fromMs,
        to_ms: input.toMs,
        reason: input.reason,
        requested_by: input.requestedBy,
        state: 'waiting',
        created_at: now,
        // the box's commune when asked: whose police follow the request
        commune_code: eb.selectFrom('edges as e').innerJoin('hamlets as h', 'h.code', 'e.hamlet_code').select('h.commune_code').where('e.id', '=', input.edgeId),
      }))
      .execute();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<FootageRequest | null> {
    const row = await this.q.db.selectFrom('footage_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRequest(row as Row) : null;
  }

  async list(filter: FootageFilter = {}): Promise<FootageRequest[]> {
    let query = this.q.db.selectFrom('footage_requests').selectAll();
    if (filter.communeCode) query = query.where('commune_code', '=', filter.communeCode);
    if (filter.edgeId) query = query.where('edge_id', '=', filter.edgeId);
    if (filter.state) query = query.where('state', '=', filter.state);
    // the id breaks ties so both databases give one order
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => toRequest(r as Row));
  }

  /** What the box still has to answer, oldest first, as its `footage` document lists them. */
  async waiting(edgeId: string, limit: number): Promise<FootageItem[]> {
    const rows = await this.q.db
      .selectFrom('footage_requests')
      .select(['id', 'camera_id', 'from_ms', 'to_ms'])
      .where('edge_id', '=', edgeId)
      .where('state', '=', 'waiting')
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, cameraId: r.camera_id, fromMs: r.from_ms, toMs: r.to_ms }));
  }

  /** Records the box's answer once; a resent or foreign answer changes nothing (false). */
  async answer(edgeId: string, event: FootageEvent, now = Date.now()): Promise<boolean> {
    const result = await this.q.db
      .updateTable('footage_requests')
      .set({
        state: event.outcome,
        incident_id: event.incidentId,
        missing: JSON.stringify(event.missing),
        held: event.held ? JSON.stringify(event.held) : null,
        error: event.error ?? null,
        answered_at: now,
      })
      .where('id', '=', event.requestId)
      .where('edge_id', '=', edgeId)
      .where('state', '=', 'waiting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
