import type { CommuneSeed } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/connect.js';

/** A commune and its hamlets written through the query layer, for store tests on both databases. */
export async function seedCommuneQuery({ db }: Pick<QueryDatabase, 'db'>, seed: CommuneSeed, createdAt = Date.now()): Promise<void> {
  await db.insertInto('communes').values({ code: seed.code, name: seed.name, district: seed.district, province: seed.province, created_at: createdAt }).execute();
  if (seed.hamlets.length) {
    await db.insertInto('hamlets').values(seed.hamlets.map((h, i) => ({ code: h.code, commune_code: seed.code, name: h.name, position: i }))).execute();
  }
}

/** A box in a hamlet, online or not (edge_state), for counts and scoping on both databases. */
export async function seedEdgeQuery({ db }: Pick<QueryDatabase, 'db'>, id: string, hamletCode: string, { online = false, status = 'active' }: { online?: boolean; status?: string } = {}): Promise<void> {
  await db.insertInto('edges').values({ id, name: `Tủ ${id}`, hamlet_code: hamletCode, status, created_at: 1, updated_at: 1 }).execute();
  if (online) await db.insertInto('edge_state').values({ edge_id: id, online: 1 }).execute();
}
