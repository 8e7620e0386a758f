import { newId } from '@smart-commune/shared';
import type { Scoped } from '../communes/scope.js';
import type { QueryDatabase } from '../db/query/connect.js';
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

type RotationRow = Selectable<KeyRotationsTable>;

/** A delivery with its box's and hamlet's names. */
type DeliveryRow = Omit<Selectable<KeyRotationDeliveriesTable>, 'state'> & { state: string; edge_name: string; hamlet_name: string };

const toDelivery = (row: DeliveryRow): KeyDelivery => ({
  edgeId: row.edge_id,
  edgeName: row.edge_name,
  hamletName: row.hamlet_name,
  state: row.state as KeyDeliveryState,
  code: row.code,
  detail: row.detail,
  attempts: row.attempts,
  lastAttemptAt: row.last_attempt_at,
  answeredAt: row.answered_at,
});

/**
 * Release key rotations sent from the cloud and each box's delivery. The cloud keeps a delivery
 * `pending` until the box answers (applied or refused): that row is what sends it again when an
 * offline box returns, so no broker state has to survive a restart of the cloud. A box's answer is
 * recorded by one conditional UPDATE (only while pending): when two cloud processes deliver to one
 * box, its first answer is the one kept and counted.
 */
export class KeyRotationStore {
  constructor(private readonly q: Pick<QueryDatabase, 'db'>) {}

  async create(input: { sequence: number; keyIds: string[]; message: unknown; createdBy: string; communeCode: string | null; edgeIds: string[] }, now = Date.now()): Promise<string> {
    const id = newId('krot');
    await this.q.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('key_rotations')
        .values({ id, sequence: input.sequence, key_ids: JSON.stringify(input.keyIds), message: JSON.stringify(input.message), created_by: input.createdBy, created_at: now, commune_code: input.communeCode })
        .execute();
      // in slices: a rotation to the whole province names thousands of boxes
      for (let i = 0; i < input.edgeIds.length; i += 500) {
        await trx
          .insertInto('key_rotation_deliveries')
          .values(input.edgeIds.slice(i, i + 500).map((edgeId) => ({ rotation_id: id, edge_id: edgeId, state: 'pending' })))
          .execute();
      }
    });
    return id;
  }

  /** The signed message as it was given (sent to the boxes byte for byte in its `payload`). */
  async message(id: string): Promise<unknown> {
    const row = await this.q.db.selectFrom('key_rotations').select('message').where('id', '=', id).executeTakeFirst();
    return row ? JSON.parse(row.message) : null;
  }

  /** Deliveries still waiting for a box's answer, oldest rotation first (a box takes rotations in sequence order). */
  async pendingFor(edgeId: string): Promise<{ rotationId: string; sequence: number }[]> {
    return this.q.db
      .selectFrom('key_rotation_deliveries as d')
      .innerJoin('key_rotations as r', 'r.id', 'd.rotation_id')
      .select(['r.id as rotationId', 'r.sequence'])
      .where('d.edge_id', '=', edgeId)
      .where('d.state', '=', 'pending')
      .orderBy('r.sequence')
      .orderBy('r.created_at')
      .execute();
  }

  /** Boxes with a pending delivery. */
  async edgesWithPending(): Promise<string[]> {
    const rows = await this.q.db.selectFrom('key_rotation_deliveries').select('edge_id').distinct().where('state', '=', 'pending').orderBy('edge_id').execute();
    return rows.map((r) => r.edge_id);
  }

  /** A try that got no answer (offline, timeout): counted, with why, the delivery still pending. */
  async attempted(rotationId: string, edgeId: string, why: { code: string; detail: string }, now = Date.now()): Promise<void> {
    await this.q.db
      .updateTable('key_rotation_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_at: now, code: why.code, detail: why.detail.slice(0, 2000) }))
      .where('rotation_id', '=', rotationId)
      .where('edge_id', '=', edgeId)
      .where('state', '=', 'pending')
      .execute();
  }

  /**
   * The box's answer to a try, recorded with the try in one UPDATE while the delivery is pending:
   * false when another cloud process already recorded the box's answer (this one is not counted).
   */
  async answered(rotationId: string, edgeId: string, state: Exclude<KeyDeliveryState, 'pending'>, code: string | null, detail: string, now = Date.now()): Promise<boolean> {
    const row = await this.q.db
      .updateTable('key_rotation_deliveries')
      .set((eb) => ({ state, code, detail: detail.slice(0, 2000), answered_at: now, attempts: eb('attempts', '+', 1), last_attempt_at: now }))
      .where('rotation_id', '=', rotationId)
      .where('edge_id', '=', edgeId)
      .where('state', '=', 'pending')
      .returning('edge_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The rotations the person sees, newest first, each with the deliveries to boxes of their commune (all for the province). */
  async list(person: Scoped, limit = 20): Promise<KeyRotation[]> {
    const rows = await this.q.db.selectFrom('key_rotations').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    const rotations = await Promise.all(rows.map((row) => this.withDeliveries(person, row)));
    return rotations.filter((r) => this.visible(person, r));
  }

  async find(person: Scoped, id: string): Promise<KeyRotation | null> {
    const row = await this.q.db.selectFrom('key_rotations').selectAll().where('id', '=', id).executeTakeFirst();
    const rotation = row ? await this.withDeliveries(person, row) : null;
    return rotation && this.visible(person, rotation) ? rotation : null;
  }

  /** A commune's people see a rotation only through their commune's boxes: one sent to none of them is none of theirs. */
  private visible(person: Scoped, rotation: KeyRotation): boolean {
    return person.communeCode === null || rotation.deliveries.length > 0;
  }

  private async withDeliveries(person: Scoped, row: RotationRow): Promise<KeyRotation> {
    let query = this.q.db
      .selectFrom('key_rotation_deliveries as d')
      .innerJoin('edges as e', 'e.id', 'd.edge_id')
      .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
      .selectAll('d')
      .select(['e.name as edge_name', 'h.name as hamlet_name'])
      .where('d.rotation_id', '=', row.id)
      .orderBy('h.position')
      .orderBy('e.name');
    // a commune's people: the deliveries to their commune's boxes only (a box is never the province's own)
    if (person.communeCode !== null) query = query.where('h.commune_code', '=', person.communeCode);
    const deliveries = (await query.execute()).map(toDelivery);
    const counts: Record<KeyDeliveryState, number> = { pending: 0, applied: 0, refused: 0 };
    for (const d of deliveries) counts[d.state]++;
    return { id: row.id, sequence: row.sequence, keyIds: JSON.parse(row.key_ids) as string[], createdBy: row.created_by, createdAt: row.created_at, counts, deliveries };
  }
}

/** The commune of each box (through its hamlet), for scoping a person's targets; a box not found is left out. */
export async function communesOfEdges({ db }: Pick<QueryDatabase, 'db'>, edgeIds: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < edgeIds.length; i += 500) {
    const rows = await db
      .selectFrom('edges as e')
      .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
      .select(['e.id', 'h.commune_code'])
      .where('e.id', 'in', edgeIds.slice(i, i + 500))
      .execute();
    for (const row of rows) out.set(row.id, row.commune_code);
  }
  return out;
}
