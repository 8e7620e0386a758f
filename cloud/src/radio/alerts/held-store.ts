import type { Db } from '../../db/database.js';
import { whereOf } from '../../db/where.js';
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

/** Held CAP messages in SQLite, one per sender and identifier. */
export class HeldAlertStore {
  constructor(private readonly db: Db) {}

  find(id: string): HeldAlert | null {
    const row = this.db.prepare('SELECT * FROM held_alerts WHERE id = ?').get(id) as Row | undefined;
    return row ? toHeld(row) : null;
  }

  get(id: string): HeldAlert {
    const held = this.find(id);
    if (!held) throw notFound(`held alert ${id}`);
    return held;
  }

  findByCap(sender: string, identifier: string): HeldAlert | null {
    const row = this.db.prepare('SELECT * FROM held_alerts WHERE cap_sender = ? AND cap_identifier = ?').get(sender, identifier) as Row | undefined;
    return row ? toHeld(row) : null;
  }

  /** `commune`: that commune's only (absent: all). */
  list(filter: { status?: HeldStatus; limit: number; commune?: string }): HeldAlert[] {
    const where = whereOf([['status = @status', 'status', filter.status], ['commune_code = @commune', 'commune', filter.commune]]);
    return (this.db.prepare(`SELECT * FROM held_alerts ${where.sql} ORDER BY received_at DESC, id LIMIT @limit`).all({ ...where.params, limit: filter.limit }) as Row[]).map(toHeld);
  }

  insert(h: NewHeld): void {
    this.db
      .prepare(
        `INSERT INTO held_alerts (id, cap_sender, cap_identifier, status, reasons, candidate, source, received_by, received_at, commune_code)
         VALUES (?, ?, ?, 'held', ?, ?, ?, ?, ?, ?)`,
      )
      .run(h.id, h.candidate.sender, h.candidate.identifier, JSON.stringify(h.reasons), JSON.stringify(h.candidate), h.source, h.receivedBy, h.receivedAt, h.communeCode);
  }

  /** Marks held messages past their expiry expired; returns how many. */
  expire(now: number): number {
    return this.db.prepare("UPDATE held_alerts SET status = 'expired', decided_at = ? WHERE status = 'held' AND json_extract(candidate, '$.expiresAt') <= ?").run(now, now).changes;
  }

  /** Ends a held message's wait; false when it was no longer held. */
  decide(id: string, d: { status: Exclude<HeldStatus, 'held'>; decidedBy: string | null; at: number; alertId?: string; note?: string | null }): boolean {
    return (
      this.db
        .prepare("UPDATE held_alerts SET status = ?, decided_by = ?, decided_at = ?, alert_id = ?, note = ? WHERE id = ? AND status = 'held'")
        .run(d.status, d.decidedBy, d.at, d.alertId ?? null, d.note ?? null, id).changes === 1
    );
  }
}
