import { z } from '@hono/zod-openapi';
import { edgeIdSchema, hamletCodeSchema, zoneNameSchema } from '@smart-commune/shared';

const targetFields = {
  all: z.literal(true).optional(),
  hamlets: z.array(hamletCodeSchema).min(1).max(50).optional(),
  edges: z.array(edgeIdSchema).min(1).max(200).optional(),
  zones: z
    .array(z.object({ edgeId: edgeIdSchema, zone: zoneNameSchema }))
    .min(1)
    .max(200)
    .optional(),
};

/**
 * Where an item plays: exactly one of the whole commune, some hamlets, some edge boxes, or some
 * speaker zones of boxes. Hamlets and edges mean every zone of the boxes concerned.
 */
export const targetsSchema = z
  .object(targetFields)
  .strict()
  .refine((t) => [t.all, t.hamlets, t.edges, t.zones].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of all (true), hamlets, edges or zones',
  })
  .openapi('Targets', { example: { hamlets: ['ap-2', 'ap-2a'] } });

/**
 * A schedule's targets (issue 10): those of any item, plus chosen communes for a province-wide
 * programme. `all` is the item's commune, or for the province's own item every commune, those added
 * later included (targets are resolved to boxes each time plans are compiled). A province item may
 * name hamlets and boxes of several communes.
 */
export const scheduleTargetsSchema = z
  .object({ ...targetFields, communes: z.array(z.string().min(1).max(64)).min(1).max(1000).optional() })
  .strict()
  .refine((t) => [t.all, t.hamlets, t.edges, t.zones, t.communes].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of all (true), communes, hamlets, edges or zones',
  })
  .openapi('ScheduleTargets', { example: { communes: ['vi-tan', 'vi-thanh'] } });

export type Targets = z.infer<typeof scheduleTargetsSchema>;

/** An edge box as targeting sees it; `communeCode` is its hamlet's commune (absent: not known, one commune). */
export interface TargetEdge {
  id: string;
  hamletCode: string;
  communeCode?: string;
}

/** Where boxes and hamlets are, for comparing targets. */
export interface TargetPlaces {
  hamletOfEdge(edgeId: string): string | undefined;
  communeOfHamlet(hamletCode: string): string | undefined;
}

/** Sorted, without duplicates, so equal targets store and compare equal. */
export function normalizeTargets(t: Targets): Targets {
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  if (t.all) return { all: true };
  if (t.communes) return { communes: uniq(t.communes) };
  if (t.hamlets) return { hamlets: uniq(t.hamlets) };
  if (t.edges) return { edges: uniq(t.edges) };
  const seen = new Map((t.zones ?? []).map((z) => [`${z.edgeId}/${z.zone}`, z]));
  return { zones: [...seen.keys()].sort().map((k) => seen.get(k)!) };
}

/**
 * The speaker zones an item plays on at this edge: null for all of them, undefined when the edge is
 * not targeted. `owner`: the item's commune (null or absent: the province's own, anywhere); a
 * commune's item never reaches another commune's box.
 */
export function zonesForEdge(t: Targets, edge: TargetEdge, owner: string | null = null): string[] | null | undefined {
  if (owner !== null && edge.communeCode !== undefined && edge.communeCode !== owner) return undefined;
  if (t.all || t.hamlets?.includes(edge.hamletCode) || t.edges?.includes(edge.id)) return null;
  if (t.communes) return edge.communeCode !== undefined && t.communes.includes(edge.communeCode) ? null : undefined;
  const zones = (t.zones ?? []).filter((z) => z.edgeId === edge.id).map((z) => z.zone);
  return zones.length ? [...new Set(zones)].sort() : undefined;
}

/** A hamlet as targeting sees it. */
export interface TargetHamlet {
  code: string;
  communeCode: string;
}

/**
 * The hamlets the targets reach, in the order of `allHamlets`, given where each edge is. `owner`:
 * the item's commune (its `all` is that commune's hamlets); null: the province's own.
 */
export function hamletsOf(t: Targets, allHamlets: readonly TargetHamlet[], hamletOfEdge: (edgeId: string) => string | undefined, owner: string | null = null): string[] {
  const mine = owner === null ? allHamlets : allHamlets.filter((h) => h.communeCode === owner);
  if (t.all) return mine.map((h) => h.code);
  if (t.communes) return mine.filter((h) => t.communes!.includes(h.communeCode)).map((h) => h.code);
  if (t.hamlets) return mine.filter((h) => t.hamlets!.includes(h.code)).map((h) => h.code);
  const edgeIds = t.edges ?? (t.zones ?? []).map((z) => z.edgeId);
  const reached = new Set(edgeIds.map(hamletOfEdge).filter((h): h is string => h !== undefined));
  return mine.filter((h) => reached.has(h.code)).map((h) => h.code);
}

/**
 * Whether two items of one owner (a commune, or the province) can sound on the same loudspeaker: the
 * same box with intersecting zones (or either on all zones). Hamlet-wide targets are compared as
 * hamlets, so items for hamlets with no box installed yet still clash; communes as communes.
 */
export function targetsShare(a: Targets, b: Targets, places: TargetPlaces): boolean {
  if (a.all || b.all) return true;
  const edgeIdsOf = (t: Targets) => t.edges ?? (t.zones ?? []).map((z) => z.edgeId);
  if (a.communes || b.communes) {
    const [communes, other] = a.communes ? [a.communes, b] : [b.communes!, a];
    if (other.communes) return other.communes.some((c) => communes.includes(c));
    const hamlets = other.hamlets ?? edgeIdsOf(other).flatMap((id) => places.hamletOfEdge(id) ?? []);
    return hamlets.some((h) => communes.includes(places.communeOfHamlet(h) ?? ''));
  }
  if (a.hamlets && b.hamlets) return a.hamlets.some((h) => b.hamlets!.includes(h));
  if (a.hamlets || b.hamlets) {
    const [hamlets, other] = a.hamlets ? [a.hamlets, b] : [b.hamlets!, a];
    return edgeIdsOf(other).some((id) => hamlets.includes(places.hamletOfEdge(id) ?? ''));
  }
  if (a.edges || b.edges) {
    const [edges, other] = a.edges ? [a.edges, b] : [b.edges!, a];
    return edgeIdsOf(other).some((id) => edges.includes(id));
  }
  return (a.zones ?? []).some((x) => (b.zones ?? []).some((y) => x.edgeId === y.edgeId && x.zone === y.zone));
}
