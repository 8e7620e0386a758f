import type { QueryDatabase } from '../../db/query/index.js';
import { badRequest } from '../../http/errors.js';
import type { TargetPlaces, Targets } from '../schedules/targets.js';

export interface DirectoryEdge {
  id: string;
  hamletCode: string;
  /** The commune of the box's hamlet (issue 10). */
  communeCode: string;
  status: 'unclaimed' | 'active' | 'revoked';
}

export interface DirectoryHamlet {
  code: string;
  name: string;
}

/** A hamlet with its commune (issue 10). */
export interface PlacedHamlet extends DirectoryHamlet {
  communeCode: string;
}

/**
 * Where the boxes are and which hamlets exist: what targeting and plan compilation read of the
 * fleet. Read-only, on the query layer (SQLite or PostgreSQL); every call reads afresh.
 */
export class EdgeDirectory {
  constructor(private readonly q: QueryDatabase) {}

  /** Every box placed in a hamlet, with its hamlet's commune, by id. */
  async edges(filter: { activeOnly?: boolean } = {}): Promise<DirectoryEdge[]> {
    let query = this.q.db
      .selectFrom('edges as e')
      .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
      .select(['e.id', 'e.hamlet_code as hamletCode', 'h.commune_code as communeCode', 'e.status']);
    if (filter.activeOnly) query = query.where('e.status', '=', 'active');
    const rows = await query.orderBy('e.id').execute();
    // the column's CHECK keeps status to the three
    return rows.map((r) => ({ ...r, status: r.status as DirectoryEdge['status'] }));
  }

  activeEdges(): Promise<DirectoryEdge[]> {
    return this.edges({ activeOnly: true });
  }

  hamlets(): Promise<DirectoryHamlet[]> {
    return this.q.db.selectFrom('hamlets').select(['code', 'name']).orderBy('position').execute();
  }

  /** Every hamlet of the province with its commune, by commune and their usual order (one commune: as hamlets()). */
  placedHamlets(): Promise<PlacedHamlet[]> {
    return this.q.db.selectFrom('hamlets').select(['code', 'name', 'commune_code as communeCode']).orderBy('commune_code').orderBy('position').execute();
  }

  /** edge id → hamlet code, for every box the fleet knows (read once, asked many times). */
  async hamletOfEdge(): Promise<(edgeId: string) => string | undefined> {
    const map = new Map((await this.edges()).map((e) => [e.id, e.hamletCode]));
    return (edgeId) => map.get(edgeId);
  }

  /** Where boxes and hamlets are, read once, for comparing targets. */
  async places(): Promise<TargetPlaces> {
    const [hamletOfEdge, hamlets] = await Promise.all([this.hamletOfEdge(), this.placedHamlets()]);
    const communes = new Map(hamlets.map((h) => [h.code, h.communeCode]));
    return { hamletOfEdge, communeOfHamlet: (code) => communes.get(code) };
  }

  /**
   * Refuses targets naming a hamlet, box or commune that does not exist, naming them. `owner`: the
   * item's commune, whose hamlets and boxes alone it may name (another commune's answer as unknown,
   * like missing ones); undefined: anywhere (the province's own, or a caller without scope).
   */
  async assertTargetsExist(t: Targets, owner?: string | null): Promise<void> {
    const scoped = owner !== undefined && owner !== null;
    if (t.communes) {
      if (scoped) throw badRequest("a commune's item plays in its own commune: choose all, hamlets, boxes or zones", [{ path: 'targets.communes', message: 'province-wide programmes only' }]);
      const open = await this.q.db.selectFrom('communes').select('code').where('retired_at', 'is', null).execute();
      const known = new Set(open.map((c) => c.code));
      const unknown = t.communes.filter((c) => !known.has(c));
      if (unknown.length) throw badRequest(`unknown commune(s): ${unknown.join(', ')}`, { communes: unknown });
    }
    if (t.hamlets) {
      const known = new Set((await this.placedHamlets()).filter((h) => !scoped || h.communeCode === owner).map((h) => h.code));
      const unknown = t.hamlets.filter((h) => !known.has(h));
      if (unknown.length) throw badRequest(`unknown hamlet code(s): ${unknown.join(', ')}`, { hamlets: unknown });
    }
    const edgeIds = t.edges ?? t.zones?.map((z) => z.edgeId);
    if (edgeIds) {
      const known = new Set((await this.edges()).filter((e) => !scoped || e.communeCode === owner).map((e) => e.id));
      const unknown = [...new Set(edgeIds.filter((id) => !known.has(id)))];
      if (unknown.length) throw badRequest(`unknown edge box(es): ${unknown.join(', ')}`, { edges: unknown });
    }
  }
}
