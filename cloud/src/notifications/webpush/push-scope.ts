import type { QueryDatabase } from '../../db/query/index.js';
import { camerasOfDocuments } from './subject-names.js';

/**
 * Which of the hamlets and cameras a person chose do not exist: a typo'd code or a camera removed
 * from its box would otherwise silently mean "nothing ever comes". Returns one problem per unknown,
 * naming it. `communeCode` (a commune's person): another commune's hamlet or camera is unknown alike,
 * so a commune's staff can never choose to be told of another commune's items.
 */
export async function unknownScope(
  { db }: QueryDatabase,
  hamlets: readonly string[],
  cameras: readonly string[],
  communeCode: string | null = null,
): Promise<{ path: string; message: string }[]> {
  const problems: { path: string; message: string }[] = [];
  const theirs = (commune: string | null | undefined) => commune !== undefined && (communeCode === null || commune === communeCode);
  // the input is bounded (MAX_SCOPE_HAMLETS, MAX_SCOPE_CAMERAS): one query for the hamlets, one per box for the cameras
  const hamletCommune = new Map(
    hamlets.length === 0 ? [] : (await db.selectFrom('hamlets').select(['code', 'commune_code']).where('code', 'in', [...new Set(hamlets)]).execute()).map((h) => [h.code, h.commune_code] as const),
  );
  hamlets.forEach((code, i) => {
    if (!theirs(hamletCommune.get(code))) problems.push({ path: `hamlets.${i}`, message: `unknown hamlet ${code}` });
  });
  const boxes = new Map<string, Promise<{ cameras: Map<string, string | null>; commune: string | null | undefined }>>();
  const box = (edgeId: string) => {
    let known = boxes.get(edgeId);
    if (!known) boxes.set(edgeId, (known = describeBox(db, edgeId)));
    return known;
  };
  for (const [i, ref] of cameras.entries()) {
    const slash = ref.indexOf('/');
    const { cameras: ofBox, commune } = await box(ref.slice(0, slash));
    if (!ofBox.has(ref.slice(slash + 1)) || !theirs(commune)) problems.push({ path: `cameras.${i}`, message: `unknown camera ${ref}` });
  }
  return problems;
}

/** A box's cameras (from its documents) and its commune through its hamlet (undefined: no such box; null: no hamlet). */
async function describeBox(db: QueryDatabase['db'], edgeId: string): Promise<{ cameras: Map<string, string | null>; commune: string | null | undefined }> {
  const documents = await db.selectFrom('documents').select('body').where('edge_id', '=', edgeId).execute();
  const edge = await db
    .selectFrom('edges as e')
    .leftJoin('hamlets as h', 'h.code', 'e.hamlet_code')
    .select('h.commune_code')
    .where('e.id', '=', edgeId)
    .executeTakeFirst();
  return { cameras: camerasOfDocuments(documents.map((d) => d.body)), commune: edge ? edge.commune_code : undefined };
}
