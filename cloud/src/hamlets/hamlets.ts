import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { CommuneSeed } from '@smart-commune/shared';
import type { QueryDatabase } from '../db/query/connect.js';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonContent } from '../http/route.js';
import { currentUser } from '../http/access.js';
import type { Scoped } from '../communes/scope.js';

export interface Hamlet {
  code: string;
  name: string;
  communeCode: string;
  edges: number;
  online: number;
}

/**
 * Seeds a commune and its hamlets when it is not there yet (the first start seeds the pilot's);
 * later starts leave it as edited. The commune's INSERT … ON CONFLICT DO NOTHING decides: two starts
 * racing on one PostgreSQL both get past it, and only the one that wrote the commune adds the hamlets.
 */
export async function seedCommune({ db }: Pick<QueryDatabase, 'db'>, seed: CommuneSeed, now = Date.now()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const added = await trx
      .insertInto('communes')
      .values({ code: seed.code, name: seed.name, district: seed.district, province: seed.province, created_at: now })
      .onConflict((oc) => oc.column('code').doNothing())
      .returning('code')
      .executeTakeFirst();
    if (!added || seed.hamlets.length === 0) return;
    await trx
      .insertInto('hamlets')
      .values(seed.hamlets.map((h, i) => ({ code: h.code, commune_code: seed.code, name: h.name, position: i })))
      .execute();
  });
}

/**
 * The hamlets in service (neither they nor their commune retired), in their communes' order then
 * their own: what every picker offers. Given a person, only those their commune holds (all of
 * them for a province-level person). Boxes are counted in sub-queries (one row per hamlet, no
 * GROUP BY over the communes' columns, which PostgreSQL would refuse); every box the hamlet holds
 * counts, revoked ones too, as before.
 */
export async function listHamlets({ db }: Pick<QueryDatabase, 'db'>, person?: Scoped): Promise<Hamlet[]> {
  let query = db
    .selectFrom('hamlets as h')
    .innerJoin('communes as c', 'c.code', 'h.commune_code')
    .select(['h.code', 'h.name', 'h.commune_code as communeCode'])
    .select((eb) => [
      eb.selectFrom('edges as e').whereRef('e.hamlet_code', '=', 'h.code').select((e) => e.fn.countAll<number>().as('n')).as('edges'),
      eb
        .selectFrom('edges as e')
        .innerJoin('edge_state as s', 's.edge_id', 'e.id')
        .whereRef('e.hamlet_code', '=', 'h.code')
        .where('s.online', '=', 1)
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('online'),
    ])
    .where('h.retired_at', 'is', null)
    .where('c.retired_at', 'is', null);
  if (person && person.communeCode !== null) query = query.where('h.commune_code', '=', person.communeCode);
  const rows = await query
    // communes without a creation time (none since migration 28) last, then the oldest first
    .orderBy((eb) => eb('c.created_at', 'is', null))
    .orderBy('c.created_at')
    .orderBy('c.code')
    .orderBy('h.position')
    .execute();
  return rows.map((r) => ({ code: r.code, name: r.name, communeCode: r.communeCode, edges: Number(r.edges ?? 0), online: Number(r.online ?? 0) }));
}

const hamletSchema = z
  .object({ code: z.string(), name: z.string(), communeCode: z.string(), edges: z.number(), online: z.number() })
  .openapi('Hamlet');

export function createHamletsRoutes({ guard, query }: { guard: Guard; query: Pick<QueryDatabase, 'db'> }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, 'hamlets.read', {
      method: 'get',
      path: '/hamlets',
      tags: ['Fleet'],
      summary: "The hamlets in service with their box counts: a commune's people see their commune's, a province-level person every commune's",
      responses: { 200: jsonContent(z.object({ hamlets: z.array(hamletSchema) }), 'Hamlets in their usual order') },
    }),
    async (c) => c.json({ hamlets: await listHamlets(query, currentUser(c)) }, 200),
  );
  return app;
}
