import type { Db } from '../../db/database.js';
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

/** Where the boxes are and which hamlets exist: what targeting and plan compilation read of the fleet. */
export class EdgeDirectory {
  constructor(private readonly db: Db) {}

  edges(): DirectoryEdge[] {
    return this.db
      .prepare('SELECT e.id, e.hamlet_code AS hamletCode, h.commune_code AS communeCode, e.status FROM edges e JOIN hamlets h ON h.code = e.hamlet_code ORDER BY e.id')
      .all() as DirectoryEdge[];
  }

  activeEdges(): DirectoryEdge[] {
    return this.edges().filter((e) => e.status === 'active');
  }

  hamlets(): DirectoryHamlet[] {
    return this.db.prepare('SELECT code, name FROM hamlets ORDER BY position').all() as DirectoryHamlet[];
  }

  /** Every hamlet of the province with its commune, by commune and their usual order (one commune: as hamlets()). */
  placedHamlets(): PlacedHamlet[] {
    return this.db.prepare('SELECT code, name, commune_code AS communeCode FROM hamlets ORDER BY commune_code, position').all() as PlacedHamlet[];
  }

  /** edge id → hamlet code, for every box the fleet knows. */
  hamletOfEdge(): (edgeId: string) => string | undefined {
    const map = new Map(this.edges().map((e) => [e.id, e.hamletCode]));
    return (edgeId) => map.get(edgeId);
  }

  /** Where boxes and hamlets are, read once, for comparing targets. */
  places(): TargetPlaces {
    const communes = new Map(this.placedHamlets().map((h) => [h.code, h.communeCode]));
    return { hamletOfEdge: this.hamletOfEdge(), communeOfHamlet: (code) => communes.get(code) };
  }

  /**
   * Refuses targets naming a hamlet, box or commune that does not exist, naming them. `owner`: the
   * item's commune, whose hamlets and boxes alone it may name (another commune's answer as unknown,
   * like missing ones); undefined: anywhere (the province's own, or a caller without scope).
   */
  assertTargetsExist(t: Targets, owner?: string | null): void {
    const scoped = owner !== undefined && owner !== null;
    if (t.communes) {
      if (scoped) throw badRequest("a commune's item plays in its own commune: choose all, hamlets, boxes or zones", [{ path: 'targets.communes', message: 'province-wide programmes only' }]);
      const known = new Set(this.db.prepare('SELECT code FROM communes WHERE retired_at IS NULL').pluck().all() as string[]);
      const unknown = t.communes.filter((c) => !known.has(c));
      if (unknown.length) throw badRequest(`unknown commune(s): ${unknown.join(', ')}`, { communes: unknown });
    }
    if (t.hamlets) {
      const known = new Set(this.placedHamlets().filter((h) => !scoped || h.communeCode === owner).map((h) => h.code));
      const unknown = t.hamlets.filter((h) => !known.has(h));
      if (unknown.length) throw badRequest(`unknown hamlet code(s): ${unknown.join(', ')}`, { hamlets: unknown });
    }
    const edgeIds = t.edges ?? t.zones?.map((z) => z.edgeId);
    if (edgeIds) {
      const known = new Set(this.edges().filter((e) => !scoped || e.communeCode === owner).map((e) => e.id));
      const unknown = [...new Set(edgeIds.filter((id) => !known.has(id)))];
      if (unknown.length) throw badRequest(`unknown edge box(es): ${unknown.join(', ')}`, { edges: unknown });
    }
  }
}
