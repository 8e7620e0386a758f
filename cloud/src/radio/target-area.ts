import type { AlertTargets } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import { badRequest } from '../http/errors.js';
import type { Scoped } from '../communes/scope.js';

/** Targets as a person writes them: the whole of their area, chosen communes (province only), hamlets, boxes. */
export interface TargetsInput {
  all?: boolean;
  communes?: string[];
  hamlets?: string[];
  edges?: string[];
}

const uniq = (xs: readonly string[] = []) => [...new Set(xs)].sort();

/**
 * Where alerts, live sessions and relays may go, by who issues them (issue 10). A province-level person
 * reaches every hamlet of the province, whole communes by their code, or hamlets and boxes of any
 * commune; a commune's person only the hamlets and boxes of their commune, and `all` is their
 * commune. A hamlet or box of another commune is refused with the same words as one that does not
 * exist, so it cannot be told apart from none.
 */
export class TargetArea {
  constructor(private readonly db: Db) {}

  /** Hamlet code → its commune, for every hamlet. */
  private hamletCommunes(): Map<string, string> {
    const rows = this.db.prepare('SELECT code, commune_code AS communeCode FROM hamlets').all() as { code: string; communeCode: string }[];
    return new Map(rows.map((r) => [r.code, r.communeCode]));
  }

  /** The hamlet codes of a commune, in order. */
  hamletsOf(communeCode: string): string[] {
    return (this.db.prepare('SELECT code FROM hamlets WHERE commune_code = ? ORDER BY code').all(communeCode) as { code: string }[]).map((r) => r.code);
  }

  /** Edge id → the commune of its hamlet. */
  private edgeCommunes(ids: readonly string[]): Map<string, string> {
    if (!ids.length) return new Map();
    const rows = this.db
      .prepare(`SELECT e.id, h.commune_code AS communeCode FROM edges e JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id IN (${ids.map(() => '?').join(',')})`)
      .all(...ids) as { id: string; communeCode: string }[];
    return new Map(rows.map((r) => [r.id, r.communeCode]));
  }

  /**
   * The stored targets of what `by` issues, checked: `all` stays `all` (the whole of the issuer's
   * area: a commune alert's `all` becomes its hamlets on the wire, see AlertStore's `reach`); chosen
   * communes become their hamlets.
   */
  resolve(input: TargetsInput, by: Scoped): AlertTargets {
    const mine = by.communeCode;
    if (input.communes?.length && mine !== null) throw badRequest('only a province-level person chooses communes: give all, hamlets or edges', [{ path: 'targets.communes', message: 'not allowed for a commune' }]);
    if (input.all) return { all: true, hamlets: [], edges: [] };
    const communeOf = this.hamletCommunes();
    const visible = (code: string) => communeOf.has(code) && (mine === null || communeOf.get(code) === mine);
    const unknownHamlets = uniq(input.hamlets).filter((h) => !visible(h));
    if (unknownHamlets.length) throw badRequest(`unknown hamlet code(s): ${unknownHamlets.join(', ')}`, { hamlets: unknownHamlets });
    const edges = uniq(input.edges);
    const edgeCommune = this.edgeCommunes(edges);
    const unknownEdges = edges.filter((id) => !edgeCommune.has(id) || (mine !== null && edgeCommune.get(id) !== mine));
    if (unknownEdges.length) throw badRequest(`unknown edge box(es): ${unknownEdges.join(', ')}`, { edges: unknownEdges });
    const communes = uniq(input.communes);
    const known = new Set(communeOf.values());
    const unknownCommunes = communes.filter((c) => !known.has(c));
    if (unknownCommunes.length) throw badRequest(`unknown commune code(s), or a commune without hamlets: ${unknownCommunes.join(', ')}`, { communes: unknownCommunes });
    const hamlets = uniq([...(input.hamlets ?? []), ...communes.flatMap((c) => this.hamletsOf(c))]);
    if (!hamlets.length && !edges.length) throw badRequest('targets must be all, or name communes, hamlets or edges');
    return { all: false, hamlets, edges };
  }

  /** Do these stored targets stay inside the commune (null: the province, anything goes)? */
  inside(targets: AlertTargets, communeCode: string | null): boolean {
    if (communeCode === null || targets.all) return true;
    const communeOf = this.hamletCommunes();
    const edgeCommune = this.edgeCommunes(targets.edges);
    return targets.hamlets.every((h) => communeOf.get(h) === communeCode) && targets.edges.every((e) => edgeCommune.get(e) === communeCode);
  }
}
