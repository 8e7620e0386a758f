/**
 * A small province laid out straight into the tables through the query layer, for the store tests
 * that run on both databases (forEachDatabase): communes, their hamlets (numbered in the order
 * given), and a box in the hamlets that name one. What a test adds beyond places (schedules,
 * bulletins, people…) it writes itself.
 */
import type { QueryDatabase } from '../cloud/src/db/query/index.js';

export interface EdgeSpec {
  id: string;
  /** Default: "Tủ <hamlet code>". */
  name?: string;
  /** Default: active. */
  status?: 'unclaimed' | 'active' | 'revoked';
}

export interface HamletSpec {
  code: string;
  name: string;
  /** The box in this hamlet, by id or in full. */
  edge?: string | EdgeSpec;
}

export interface CommuneSpec {
  code: string;
  name: string;
  /** Default: Vị Thanh (the pilot's district). */
  district?: string;
  hamlets?: HamletSpec[];
}

export async function insertPlaces({ db }: QueryDatabase, communes: readonly CommuneSpec[]): Promise<void> {
  await db
    .insertInto('communes')
    .values(communes.map((c) => ({ code: c.code, name: c.name, district: c.district ?? 'Vị Thanh', province: 'Hậu Giang' })))
    .execute();
  const hamlets = communes.flatMap((c) => (c.hamlets ?? []).map((h, i) => ({ ...h, commune: c.code, position: i + 1 })));
  if (hamlets.length === 0) return;
  await db
    .insertInto('hamlets')
    .values(hamlets.map((h) => ({ code: h.code, commune_code: h.commune, name: h.name, position: h.position })))
    .execute();
  const edges = hamlets.flatMap((h) => (h.edge === undefined ? [] : [{ hamlet: h.code, ...(typeof h.edge === 'string' ? { id: h.edge } : h.edge) }]));
  if (edges.length === 0) return;
  await db
    .insertInto('edges')
    .values(edges.map((e) => ({ id: e.id, name: e.name ?? `Tủ ${e.hamlet}`, hamlet_code: e.hamlet, status: e.status ?? 'active', created_at: 1, updated_at: 1 })))
    .execute();
}

/**
 * One commune with the names given and its hamlets at the positions given, as the route and e2e
 * tests lay out a province beside the seeded Vị Tân (`test.cloud.query`: either database).
 */
export async function insertCommune(
  { db }: QueryDatabase,
  commune: { code: string; name: string; district: string; province: string; createdAt?: number },
  hamlets: readonly { code: string; name: string; position: number }[] = [],
): Promise<void> {
  const { createdAt, ...names } = commune;
  await db.insertInto('communes').values({ ...names, created_at: createdAt ?? Date.now() }).execute();
  if (hamlets.length > 0) await db.insertInto('hamlets').values(hamlets.map((h) => ({ ...h, commune_code: commune.code }))).execute();
}
