import type { DocumentBody, DocumentName } from '../messages/documents.js';
import type { ContractAnnouncement } from './announce.js';
import { CONTRACT_FEATURES, featureOfDocument, featureOfPriority, featureOfSourceKind, supports, type FeatureSpec } from './features.js';
import { formatPath, labelOf, valueAt, type JsonPath } from './paths.js';

/** One use, in a document, of something added after revision 1. */
export interface FeatureUse {
  feature: string;
  /** Where the value is (`items.3.source.kind`); empty for the document itself. */
  path: JsonPath;
  /** What a peer without the feature is not sent: this array element, or (null) the whole document. */
  leave: JsonPath | null;
  /** Instead of leaving anything out, send this value at `path` (a later priority's revision 1 fallback). */
  fallback?: string;
}

/** What the cloud left out of a document for one box, and why; shown in the box's status. */
export interface Withheld {
  /** Where the value the box would not understand is, e.g. `items.3.source.kind`; "" for the whole document. */
  path: string;
  /** What was left out: `items.3`, or "" when the whole document is not sent; for a value sent as another, its path. */
  left: string;
  /** The value sent instead (JSON), when the part was not left out but sent as one the box knows; else null. */
  sentAs: string | null;
  feature: string;
  /** The contract revision that brought the feature; null for one this cloud's table does not have. */
  since: number | null;
  /** The left-out element's id and title, when it has them. */
  label: string | null;
}

/** How a document's parts map to features; the default is the contract's ADDED table. */
export interface FeatureLookups {
  document(doc: string): string | null;
  sourceKind(kind: string): string | null;
  priority(priority: string): { feature: string; fallback: string } | null;
}

const DEFAULT_LOOKUPS: FeatureLookups = { document: featureOfDocument, sourceKind: featureOfSourceKind, priority: featureOfPriority };

/** Every use of a feature in a document body: its name, and for the radio plan each item's source kind and priority. */
export function featureUses(doc: DocumentName, body: unknown, lookups: FeatureLookups = DEFAULT_LOOKUPS): FeatureUse[] {
  const whole = lookups.document(doc);
  if (whole) return [{ feature: whole, path: [], leave: null }];
  const uses: FeatureUse[] = [];
  if (doc === 'schedule') {
    const items = (body as { items?: unknown }).items;
    (Array.isArray(items) ? items : []).forEach((item: { source?: { kind?: unknown }; priority?: unknown }, i) => {
      const kind = typeof item?.source?.kind === 'string' ? lookups.sourceKind(item.source.kind) : null;
      if (kind) uses.push({ feature: kind, path: ['items', i, 'source', 'kind'], leave: ['items', i] });
      const priority = typeof item?.priority === 'string' ? lookups.priority(item.priority) : null;
      if (priority) uses.push({ feature: priority.feature, path: ['items', i, 'priority'], leave: ['items', i], fallback: priority.fallback });
    });
  }
  return uses;
}

export interface GatedDocument<D extends DocumentName> {
  /** What the box is sent; null: nothing (it would not understand the document at all). */
  body: DocumentBody<D> | null;
  withheld: Withheld[];
}

/**
 * The document as a box that announced `peer` (null: nothing, revision 1) can take it: the parts
 * that need a feature it lacks are left out (an array element each), or the whole document when
 * the document itself is new to it. The body given is not changed.
 */
export function gateDocument<D extends DocumentName>(
  doc: D,
  body: DocumentBody<D>,
  peer: ContractAnnouncement | null,
  lookups: FeatureLookups = DEFAULT_LOOKUPS,
): GatedDocument<D> {
  const missing = featureUses(doc, body, lookups).filter((use) => !supports(peer, use.feature));
  if (!missing.length) return { body, withheld: [] };
  const since = (feature: string) => (CONTRACT_FEATURES as Record<string, FeatureSpec>)[feature]?.since ?? null;
  const withheld = missing.map<Withheld>((use) => ({
    path: formatPath(use.path),
    left: use.fallback !== undefined ? formatPath(use.path) : use.leave ? formatPath(use.leave) : '',
    sentAs: use.fallback !== undefined ? JSON.stringify(use.fallback) : null,
    feature: use.feature,
    since: since(use.feature),
    label: use.leave ? labelOf(valueAt(body, use.leave)) : null,
  }));
  if (missing.some((use) => use.leave === null && use.fallback === undefined)) return { body: null, withheld };
  const copy = structuredClone(body) as unknown;
  // values with a fallback are replaced first (by path, before any index moves)
  for (const use of missing) {
    if (use.fallback === undefined) continue;
    const parent = valueAt(copy, use.path.slice(0, -1));
    if (parent && typeof parent === 'object') (parent as Record<string | number, unknown>)[use.path[use.path.length - 1]!] = use.fallback;
  }
  const dropped = missing.filter((use) => use.fallback === undefined && use.leave !== null);
  // then the elements are dropped, deepest and last first, so the indices of the others stay right
  const leaves = [...new Map(dropped.map((use) => [formatPath(use.leave!), use.leave!])).values()].sort((a, b) =>
    a.length !== b.length ? b.length - a.length : Number(b[b.length - 1]) - Number(a[a.length - 1]),
  );
  for (const leave of leaves) {
    const array = valueAt(copy, leave.slice(0, -1));
    if (Array.isArray(array)) array.splice(Number(leave[leave.length - 1]), 1);
  }
  return { body: copy as DocumentBody<D>, withheld };
}
