import { newId } from '@smart-commune/shared';
import { communeClause, type Scoped } from '../communes/scope.js';
import type { Db } from '../db/database.js';
import type { Selectable } from 'kysely';
import type { KeyRotationDeliveriesTable, KeyRotationsTable } from '../db/query/tables.js';

/** Where a box stands with one rotation: waiting to be told (offline, no answer yet), or its answer. */
export type KeyDeliveryState = 'pending' | 'applied' | 'refused';

export interface KeyDelivery {
  edgeId: string;
  edgeName: string;
  hamletName: string;
  state: KeyDeliveryState;
  /** The box's refusal code (bad_signature, unknown_key, stale_keys, …) or, while pending, why the last try did not land. */
  code: string | null;
  detail: string | null;
  attempts: number;
  lastAttemptAt: number | null;
  answeredAt: number | null;
}

export interface KeyRotation {
  id: string;
  sequence: number;
  keyIds: string[];
  createdBy: string;
  createdAt: number;
  counts: Record<KeyDeliveryState, number>;
  deliveries: KeyDelivery[];
}

type RotationRow = KeyRotationsTable;

/** A delivery with its box's and hamlet's names (DELIVERIES). */
type DeliveryRow = Omit<Selectable<KeyRotationDeliveriesTable>, 'state'> & { state: KeyDeliveryState; edge_name: string; hamlet_name: string };

const DELIVERIES = `
  SELECT d.*, e.name AS edge_name, h.name AS hamlet_name
  FROM key_rotation_deliveries d JOIN edges e ON e.id = d.edge_id JOIN hamlets h ON h.code = e.hamlet_code`;

const toDelivery = (row: DeliveryRow): KeyDelivery => ({
  edgeId: row.edge_id,
  edgeName: row.edge_name,
  hamletName: row.hamlet_name,
  state: row.state,
  code: row.code,
  detail: row.detail,
  attempts: row.attempts,
  lastAttemptAt: row.last_attempt_at,
  answeredAt: row.answered_at,
});

/**
 * Release key rotations sent from the cloud and each box's delivery. The cloud keeps a delivery
 * `pending` until the box answers (applied or refused): that row is what sends it again when an
 * offline box returns, so no broker state has to survive a restart of the cloud.
 */
export class KeyRotationStore {
  constructor(private readonly db: Db) {}

  create(input: { sequence: number; keyIds: string[]; message: unknown; createdBy: string; communeCode: string | null; edgeIds: string[] }, now = Date.now()): string {
    const id = newId('krot');
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO key_rotations (id, sequence, key_ids, message, created_by, created_at, commune_code) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.sequence, JSON.stringify(input.keyIds), JSON.stringify(input.message), input.createdBy, now, input.communeCode);
      const add = this.db.prepare("INSERT INTO key_rotation_deliveries (rotation_id, edge_id, state) VALUES (?, ?, 'pending')");
      for (const edgeId of input.edgeIds) add.run(id, edgeId);
    })();
    return id;
  }

  /** The signed message as it was given (sent to the boxes byte for byte in its `payload`). */
  message(id: string): unknown {
    const row = this.db.prepare('SELECT message FROM key_rotations WHERE id = ?').get(id) as { message: string } | undefined;
    return row ? JSON.parse(row.message) : null;
  }

  /** Deliveries still waiting for a box's answer, oldest rotation first (a box takes rotations in sequence order). */
  pendingFor(edgeId: string): { rotationId: string; sequence: number }[] {
    return this.db
      .prepare(
        `SELECT r.id AS rotationId, r.sequence FROM key_rotation_deliveries d JOIN key_rotations r ON r.id = d.rotation_id
         WHERE d.edge_id = ? AND d.state = 'pending' ORDER BY r.sequence, r.created_at`,
      )
      .all(edgeId) as { rotationId: string; sequence: number }[];
  }

  /** Boxes with a pending delivery. */
  edgesWithPending(): string[] {
    return (this.db.prepare("SELECT DISTINCT edge_id FROM key_rotation_deliveries WHERE state = 'pending'").all() as { edge_id: string }[]).map((r) => r.edge_id);
  }

  attempted(rotationId: string, edgeId: string, why: { code: string; detail: string } | null, now = Date.now()): void {
    this.db
      .prepare("UPDATE key_rotation_deliveries SET attempts = attempts + 1, last_attempt_at = ?, code = ?, detail = ? WHERE rotation_id = ? AND edge_id = ? AND state = 'pending'")
      .run(now, why?.code ?? null, why?.detail ?? null, rotationId, edgeId);
  }

  answered(rotationId: string, edgeId: string, state: Exclude<KeyDeliveryState, 'pending'>, code: string | null, detail: string, now = Date.now()): void {
    this.db
      .prepare('UPDATE key_rotation_deliveries SET state = ?, code = ?, detail = ?, answered_at = ? WHERE rotation_id = ? AND edge_id = ?')
      .run(state, code, detail.slice(0, 2000), now, rotationId, edgeId);
  }

  /** The rotations the person sees, newest first, each with the deliveries to boxes of their commune (all for the province). */
  list(person: Scoped, limit = 20): KeyRotation[] {
    const rows = this.db.prepare('SELECT * FROM key_rotations ORDER BY created_at DESC LIMIT ?').all(limit) as RotationRow[];
    return rows.map((row) => this.withDeliveries(person, row)).filter((r) => this.visible(person, r));
  }

  find(person: Scoped, id: string): KeyRotation | null {
    const row = this.db.prepare('SELECT * FROM key_rotations WHERE id = ?').get(id) as RotationRow | undefined;
    const rotation = row ? this.withDeliveries(person, row) : null;
    return rotation && this.visible(person, rotation) ? rotation : null;
  }

  /** A commune's people see a rotation only through their commune's boxes: one sent to none of them is none of theirs. */
  private visible(person: Scoped, rotation: KeyRotation): boolean {
    return person.communeCode === null || rotation.deliveries.length > 0;
  }

  private withDeliveries(person: Scoped, row: RotationRow): KeyRotation {
    const scope = communeClause(person, 'h.commune_code', { provinceItems: false });
    const deliveries = (this.db.prepare(`${DELIVERIES} WHERE d.rotation_id = ? ${scope.sql} ORDER BY h.position, e.name`).all(row.id, ...scope.params) as DeliveryRow[]).map(toDelivery);
    const counts: Record<KeyDeliveryState, number> = { pending: 0, applied: 0, refused: 0 };
    for (const d of deliveries) counts[d.state]++;
    return { id: row.id, sequence: row.sequence, keyIds: JSON.parse(row.key_ids) as string[], createdBy: row.created_by, createdAt: row.created_at, counts, deliveries };
  }
}

/** The commune of each box (through its hamlet), for scoping a person's targets. */
export function communesOfEdges(db: Db, edgeIds: string[]): Map<string, string | null> {
  const query = db.prepare('SELECT e.id, h.commune_code FROM edges e JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id = ?');
  const out = new Map<string, string | null>();
  for (const id of edgeIds) {
    const row = query.get(id) as { id: string; commune_code: string | null } | undefined;
    if (row) out.set(row.id, row.commune_code);
  }
  return out;
}
