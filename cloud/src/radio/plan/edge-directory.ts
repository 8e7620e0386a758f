import type { Db } from '../../db/database.js';
import { badRequest } from '../../http/errors.js';
import type { Targets } from '../schedules/targets.js';

export interface DirectoryEdge {
  id: string;
  hamletCode: string;
  status: 'unclaimed' | 'active' | 'revoked';
}

export interface DirectoryHamlet {
  code: string;
  name: string;
}

/** Where the boxes are and which hamlets exist: what targeting and plan compilation read of the fleet. */
export class EdgeDirectory {
  constructor(private readonly db: Db) {}

  edges(): DirectoryEdge[] {
    return this.db
      .prepare('SELECT id, hamlet_code AS hamletCode, status FROM edges ORDER BY id')
      .all() as DirectoryEdge[];
  }

  activeEdges(): DirectoryEdge[] {
    return this.edges().filter((e) => e.status === 'active');
  }

  hamlets(): DirectoryHamlet[] {
    return this.db.prepare('SELECT code, name FROM hamlets ORDER BY position').all() as DirectoryHamlet[];
  }

  /** edge id → hamlet code, for every box the fleet knows. */
  hamletOfEdge(): (edgeId: string) => string | undefined {
    const map = new Map(this.edges().map((e) => [e.id, e.hamletCode]));
    return (edgeId) => map.get(edgeId);
  }

  /** Refuses targets naming a hamlet or box that does not exist, naming them. */
  assertTargetsExist(t: Targets): void {
    if (t.hamlets) {
      const known = new Set(this.hamlets().map((h) => h.code));
      const unknown = t.hamlets.filter((h) => !known.has(h));
      if (unknown.length) throw badRequest(`unknown hamlet code(s): ${unknown.join(', ')}`, { hamlets: unknown });
    }
    const edgeIds = t.edges ?? t.zones?.map((z) => z.edgeId);
    if (edgeIds) {
      const known = new Set(this.edges().map((e) => e.id));
      const unknown = [...new Set(edgeIds.filter((id) => !known.has(id)))];
      if (unknown.length) throw badRequest(`unknown edge box(es): ${unknown.join(', ')}`, { edges: unknown });
    }
  }
}
