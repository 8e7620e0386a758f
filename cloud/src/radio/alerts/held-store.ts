import { sql } from 'kysely';
import { jsonNumber, type QueryDatabase } from '../../db/query/index.js';
import { notFound } from '../../http/errors.js';
import type { CapCandidate, HoldReason } from '../cap/cap-rules.js';
import type { HeldAlertsTable } from '../../db/query/tables.js';

/**
 * held: waiting for an operator; superseded: a later Update of its sender took its place;
 * cancelled: its sender cancelled it; expired: its expiry passed while it waited.
 */
export const heldStatuses = ['held', 'confirmed', 'rejected', 'superseded', 'cancelled', 'expired'] as const;
export type HeldStatus = (typeof heldStatuses)[number];

/** A CAP message that did not play on its own, with why and what it would play. */
export interface HeldAlert {
  id: string;
  status: HeldStatus;
  reasons: HoldReason[];
  candidate: CapCandidate;
  /** `manual` (posted by an operator), `feed:<feedId>`, or `automatic` (another caller). */
  source: string;
  receivedBy: string | null;
  receivedAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  /** The alert started when an operator confirmed it. */
  alertId: string | null;
  note: string | null;
  /** The commune whose message it is (its operator's, its feed's); null: the province's. */
  communeCode: string | null;
}

type Row = Omit<HeldAlertsTable, 'status'> & { status: HeldStatus };

const toHeld = (r: Row): HeldAlert => ({
  id: r.id,
  status: r.status,
  reasons: JSON.parse(r.reasons) as HoldReason[],
  candidate: JSON.parse(r.candidate) as CapCandidate,
  source: r.source,
  receivedBy: r.received_by,
  receivedAt: r.received_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  alertId: r.alert_id,
  note: r.note,
  communeCode: r.commune_code,
});

export type NewHeld = Pick<HeldAlert, 'id' | 'reasons' | 'candidate' | 'source' | 'receivedBy' | 'receivedAt' | 'communeCode'>;

/** Held CAP messages, one per sender and identifier (the query layer: SQLite or PostgreSQL). */
export class HeldAlertStore {
  constructor(private readonly q: QueryDatabase) {}

  async find(id: string): Promise<HeldAlert | null> {
    const row = await this.q.db.selectFrom('held_alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toHeld(row as Row) : null;
  }

  async get(id: string): Promise<HeldAlert> {
    const held = await this.find(id);
    if (!held) throw notFound(`held alert ${id}`);
    return held;
  }

  async findByCap(sender: string, identifier: string): Promise<HeldAlert | null> {
    const row = await this.q.db.selectFrom('held_alerts').selectAll().where('cap_sender', '=', sender).where('cap_identifier', '=', identifier).executeTakeFirst();
    return row ? toHeld(row as Row) : null;
  }

  /** `commune`: that commune's only (absent: all). */
  async list(filter: { status?: HeldStatus; limit: number; commune?: string }): Promise<HeldAlert[]> {
    let query = this.q.db.selectFrom('held_alerts').selectAll();
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.commune) query = query.where('commune_code', '=', filter.commune);
    const rows = await query.orderBy('received_at', 'desc').orderBy('id').limit(filter.limit).execute();
    return rows.map((r) => toHeld(r as Row));
  }

  async insert(h: NewHeld): Promise<void> {
    await this.q.db
      .insertInto('held_alerts')
      .values({
        id: h.id,
        cap_sender: h.candidate.sender,
        cap_identifier: h.candidate.identifier,
        status: 'held',
        reasons: JSON.stringify(h.reasons),
        candidate: JSON.stringify(h.candidate),
        source: h.source,
        received_by: h.receivedBy,
        received_at: h.receivedAt,
        commune_code: h.communeCode,
      })
      .execute();
  }

  /** Marks held messages past their expiry expired; returns how many. */
  async expire(now: number): Promise<number> {
    const rows = await this.q.db
      .updateTable('held_alerts')
      .set({ status: 'expired', decided_at: now })
      .where('status', '=', 'held')
      .where(jsonNumber(this.q.dialect, sql.ref('candidate'), ['expiresAt']), '<=', now)
      .returning('id')
      .execute();
    return rows.length;
  }

  /** Ends a held message's wait; false when it was no longer held (one conditional statement: one decision wins). */
  async decide(id: string, d: { status: Exclude<HeldStatus, 'held'>; decidedBy: string | null; at: number; alertId?: string; note?: string | null }): Promise<boolean> {
    const row = await this.q.db
      .updateTable('held_alerts')
      .set({ status: d.status, decided_by: d.decidedBy, decided_at: d.at, alert_id: d.alertId ?? null, note: d.note ?? null })
      .where('id', '=', id)
      .where('status', '=', 'held')
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }
}
