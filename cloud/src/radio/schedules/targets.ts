import { z } from '@hono/zod-openapi';
import { edgeIdSchema, hamletCodeSchema, zoneNameSchema } from '@smart-commune/shared';

/**
 * Where an item plays: exactly one of the whole commune, some hamlets, some edge boxes, or some
 * speaker zones of boxes. Hamlets and edges mean every zone of the boxes concerned.
 */
export const targetsSchema = z
  .object({
    all: z.literal(true).optional(),
    hamlets: z.array(hamletCodeSchema).min(1).max(50).optional(),
    edges: z.array(edgeIdSchema).min(1).max(200).optional(),
    zones: z
      .array(z.object({ edgeId: edgeIdSchema, zone: zoneNameSchema }))
      .min(1)
      .max(200)
      .optional(),
  })
  .strict()
  .refine((t) => [t.all, t.hamlets, t.edges, t.zones].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of all (true), hamlets, edges or zones',
  })
  .openapi('Targets', { example: { hamlets: ['ap-2', 'ap-2a'] } });

export type Targets = z.infer<typeof targetsSchema>;

/** An edge box as targeting sees it. */
export interface TargetEdge {
  id: string;
  hamletCode: string;
}

/** Sorted, without duplicates, so equal targets store and compare equal. */
export function normalizeTargets(t: Targets): Targets {
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  if (t.all) return { all: true };
  if (t.hamlets) return { hamlets: uniq(t.hamlets) };
  if (t.edges) return { edges: uniq(t.edges) };
  const seen = new Map((t.zones ?? []).map((z) => [`${z.edgeId}/${z.zone}`, z]));
  return { zones: [...seen.keys()].sort().map((k) => seen.get(k)!) };
}

/** The speaker zones an item plays on at this edge: null for all of them, undefined when the edge is not targeted. */
export function zonesForEdge(t: Targets, edge: TargetEdge): string[] | null | undefined {
  if (t.all || t.hamlets?.includes(edge.hamletCode) || t.edges?.includes(edge.id)) return null;
  const zones = (t.zones ?? []).filter((z) => z.edgeId === edge.id).map((z) => z.zone);
  return zones.length ? [...new Set(zones)].sort() : undefined;
}

/** The hamlets the targets reach, given where each edge is. */
export function hamletsOf(t: Targets, allHamlets: readonly string[], hamletOfEdge: (edgeId: string) => string | undefined): string[] {
  if (t.all) return [...allHamlets];
  if (t.hamlets) return allHamlets.filter((h) => t.hamlets!.includes(h));
  const edgeIds = t.edges ?? (t.zones ?? []).map((z) => z.edgeId);
  const reached = new Set(edgeIds.map(hamletOfEdge).filter((h): h is string => h !== undefined));
  return allHamlets.filter((h) => reached.has(h));
}

/**
 * Whether two items can sound on the same loudspeaker: the same box with intersecting zones (or
 * either on all zones). Hamlet-wide targets are compared as hamlets, so items for hamlets with no
 * box installed yet still clash.
 */
export function targetsShare(a: Targets, b: Targets, hamletOfEdge: (edgeId: string) => string | undefined): boolean {
  if (a.all || b.all) return true;
  if (a.hamlets && b.hamlets) return a.hamlets.some((h) => b.hamlets!.includes(h));
  if (a.hamlets || b.hamlets) {
    const [hamlets, other] = a.hamlets ? [a.hamlets, b] : [b.hamlets!, a];
    const edgeIds = other.edges ?? (other.zones ?? []).map((z) => z.edgeId);
    return edgeIds.some((id) => hamlets.includes(hamletOfEdge(id) ?? ''));
  }
  if (a.edges || b.edges) {
    const [edges, other] = a.edges ? [a.edges, b] : [b.edges!, a];
    const edgeIds = other.edges ?? (other.zones ?? []).map((z) => z.edgeId);
    return edgeIds.some((id) => edges.includes(id));
  }
  return (a.zones ?? []).some((x) => (b.zones ?? []).some((y) => x.edgeId === y.edgeId && x.zone === y.zone));
}
