import { newId, type ContractAnnouncement, type Telemetry } from '@smart-commune/shared';
import type { AnnouncedContract } from './edge-contracts.js';
import type { Updateable } from 'kysely';
import { fromDbBool, toDbBool, type QueryDatabase } from '../db/query/index.js';
import type { EdgesTable } from '../db/query/tables.js';
import { badRequest, notFound } from '../http/errors.js';
import { isProvinceLevel, type Scoped } from '../communes/scope.js';

export type EdgeStatus = 'unclaimed' | 'active' | 'revoked';

export interface Edge {
  id: string;
  name: string;
  hamletCode: string;
  hamletName: string;
  /** The commune of its hamlet: a box belongs to the commune its hamlet is in (issue 10). */
  communeCode: string;
  lat: number | null;
  lon: number | null;
  notes: string;
  status: EdgeStatus;
  hostname: string | null;
  claimedAt: number | null;
  online: boolean;
  lastSeenAt: number | null;
  offlineReason: string | null;
  telemetry: Telemetry | null;
  telemetryAt: number | null;
  /** The contract it announced (revision 1, no features, when it announces none); null before its first telemetry. */
  contract: AnnouncedContract | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A box joined to its hamlet (for its commune and name) and to its live state. Written once in the
 * query layer for SQLite and PostgreSQL.
 */
const selectEdges = ({ db }: QueryDatabase) =>
  db
    .selectFrom('edges as e')
    .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
    .leftJoin('edge_state as s', 's.edge_id', 'e.id')
    .select([
      'e.id',
      'e.name',
      'e.hamlet_code',
      'e.lat',
      'e.lon',
      'e.notes',
      'e.status',
      'e.hostname',
      'e.claimed_at',
      'e.created_at',
      'e.updated_at',
      'h.name as hamlet_name',
      'h.commune_code',
      's.online',
      's.last_seen_at',
      's.offline_reason',
      's.telemetry',
      's.telemetry_at',
      's.contract',
      's.contract_at',
    ]);

type EdgeRow = Awaited<ReturnType<ReturnType<typeof selectEdges>['executeTakeFirstOrThrow']>>;

const toEdge = (row: EdgeRow): Edge => ({
  id: row.id,
  name: row.name,
  hamletCode: row.hamlet_code,
  hamletName: row.hamlet_name,
  communeCode: row.commune_code,
  lat: row.lat,
  lon: row.lon,
  notes: row.notes,
  status: row.status as EdgeStatus,
  hostname: row.hostname,
  claimedAt: row.claimed_at,
  online: fromDbBool(row.online),
  lastSeenAt: row.last_seen_at,
  offlineReason: row.offline_reason,
  telemetry: row.telemetry ? (JSON.parse(row.telemetry) as Telemetry) : null,
  telemetryAt: row.telemetry_at,
  contract: row.contract ? { ...(JSON.parse(row.contract) as ContractAnnouncement), announcedAt: row.contract_at ?? 0 } : null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface NewEdge {
  name: string;
  hamletCode: string;
  lat?: number | null;
  lon?: number | null;
  notes?: string;
}

export type EdgePatch = Partial<NewEdge>;

export interface EdgeFilter {
  hamletCode?: string;
  /** Only the boxes of this commune (a commune's people: scopeFilter). */
  communeCode?: string;
  online?: boolean;
  status?: EdgeStatus;
}

/** Edge box records and their live state (online, last seen, last telemetry), on the query layer. */
export class EdgeStore {
  constructor(private readonly q: QueryDatabase) {}

  async list(filter: EdgeFilter = {}): Promise<Edge[]> {
    let query = selectEdges(this.q);
    if (filter.hamletCode) query = query.where('e.hamlet_code', '=', filter.hamletCode);
    if (filter.communeCode) query = query.where('h.commune_code', '=', filter.communeCode);
    if (filter.status) query = query.where('e.status', '=', filter.status);
    if (filter.online !== undefined) query = query.where((eb) => eb.fn.coalesce('s.online', eb.lit(0)), '=', toDbBool(filter.online));
    const rows = await query.orderBy('h.position').orderBy('e.name').execute();
    return rows.map(toEdge);
  }

  async find(id: string): Promise<Edge | null> {
    const row = await selectEdges(this.q).where('e.id', '=', id).executeTakeFirst();
    return row ? toEdge(row) : null;
  }

  async get(id: string): Promise<Edge> {
    const edge = await this.find(id);
    if (!edge) throw notFound(`edge ${id}`);
    return edge;
  }

  /**
   * A new unclaimed box. `by` is who asks: a commune's person may only name a hamlet of their
   * commune (another commune's hamlet is refused as unknown, as if it did not exist).
   */
  async create(input: NewEdge, by?: Scoped): Promise<Edge> {
    await this.assertHamlet(input.hamletCode, by);
    const id = newId('edg');
    const now = Date.now();
    await this.q.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('edges')
        .values({
          id,
          name: input.name,
          hamlet_code: input.hamletCode,
          lat: input.lat ?? null,
          lon: input.lon ?? null,
          notes: input.notes ?? '',
          status: 'unclaimed',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await trx.insertInto('edge_state').values({ edge_id: id }).execute();
    });
    return this.get(id);
  }

  /**
   * Changes a box; a commune's person can never move it to another commune's hamlet (a province-level
   * person may). Only the fields given are written, so two technicians changing different fields
   * at once both keep their change.
   */
  async update(id: string, patch: EdgePatch, by?: Scoped): Promise<Edge> {
    await this.get(id);
    if (patch.hamletCode) await this.assertHamlet(patch.hamletCode, by);
    const set: Updateable<EdgesTable> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.hamletCode !== undefined) set.hamlet_code = patch.hamletCode;
    if (patch.lat !== undefined) set.lat = patch.lat;
    if (patch.lon !== undefined) set.lon = patch.lon;
    if (patch.notes !== undefined) set.notes = patch.notes;
    await this.q.db.updateTable('edges').set(set).where('id', '=', id).execute();
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.q.db.deleteFrom('edges').where('id', '=', id).execute();
  }

  private async assertHamlet(code: string, by?: Scoped): Promise<void> {
    const row = await this.q.db.selectFrom('hamlets').select('commune_code').where('code', '=', code).executeTakeFirst();
    const mine = row !== undefined && (!by || isProvinceLevel(by) || row.commune_code === by.communeCode);
    if (!mine) throw badRequest(`unknown hamlet code "${code}"`);
  }
}
