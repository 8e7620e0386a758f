import type { AlertTargets } from '@smart-commune/shared';
import type { QueryDatabase } from '../db/query/index.js';
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
  constructor(private readonly q: QueryDatabase) {}

  /** Hamlet code → its commune, for every hamlet. */
  private async hamletCommunes(): Promise<Map<string, string>> {
    const rows = await this.q.db.selectFrom('hamlets').select(['code', 'commune_code']).execute();
    return new Map(rows.map((r) => [r.code, r.commune_code]));
  }

  /** The hamlet codes of a commune, in order. */
  async hamletsOf(communeCode: string): Promise<string[]> {
    const rows = await this.q.db.selectFrom('hamlets').select('code').where('commune_code', '=', communeCode).orderBy('code').execute();
    return rows.map((r) => r.code);
  }

  /** Edge id → the commune of its hamlet. */
  private async edgeCommunes(ids: readonly string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.q.db.selectFrom('edges as e').innerJoin('hamlets as h', 'h.code', 'e.hamlet_code').select(['e.id', 'h.commune_code']).where('e.id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.commune_code]));
  }

  /**
   * The stored targets of what `by` issues, checked: `all` stays `all` (the whole of the issuer's
   * area: a commune alert's `all` becomes its hamlets on the wire, see AlertStore's `reach`); chosen
   * communes become their hamlets.
   */
  async resolve(input: TargetsInput, by: Scoped): Promise<AlertTargets> {
    const mine = by.communeCode;
    if (input.communes?.length && mine !== null) throw badRequest('only a province-level person chooses communes: give all, hamlets or edges', [{ path: 'targets.communes', message: 'not allowed for a commune' }]);
    if (input.all) return { all: true, hamlets: [], edges: [] };
    const communeOf = await this.hamletCommunes();
    const visible = (code: string) => communeOf.has(code) && (mine === null || communeOf.get(code) === mine);
    const unknownHamlets = uniq(input.hamlets).filter((h) => !visible(h));
    if (unknownHamlets.length) throw badRequest(`unknown hamlet code(s): ${unknownHamlets.join(', ')}`, { hamlets: unknownHamlets });
    const edges = uniq(input.edges);
    const edgeCommune = await this.edgeCommunes(edges);
    const unknownEdges = edges.filter((id) => !edgeCommune.has(id) || (mine !== null && edgeCommune.get(id) !== mine));
    if (unknownEdges.length) throw badRequest(`unknown edge box(es): ${unknownEdges.join(', ')}`, { edges: unknownEdges });
    const communes = uniq(input.communes);
    const known = new Set(communeOf.values());
    const unknownCommunes = communes.filter((c) => !known.has(c));
    if (unknownCommunes.length) throw badRequest(`unknown commune code(s), or a commune without hamlets: ${unknownCommunes.join(', ')}`, { communes: unknownCommunes });
    const ofCommunes = communes.length ? (await this.q.db.selectFrom('hamlets').select('code').where('commune_code', 'in', communes).execute()).map((r) => r.code) : [];
    const hamlets = uniq([...(input.hamlets ?? []), ...ofCommunes]);
    if (!hamlets.length && !edges.length) throw badRequest('targets must be all, or name communes, hamlets or edges');
    return { all: false, hamlets, edges };
  }

  /** Do these stored targets stay inside the commune (null: the province, anything goes)? */
  async inside(targets: AlertTargets, communeCode: string | null): Promise<boolean> {
    if (communeCode === null || targets.all) return true;
    const communeOf = await this.hamletCommunes();
    const edgeCommune = await this.edgeCommunes(targets.edges);
    return targets.hamlets.every((h) => communeOf.get(h) === communeCode) && targets.edges.every((e) => edgeCommune.get(e) === communeCode);
  }
}
