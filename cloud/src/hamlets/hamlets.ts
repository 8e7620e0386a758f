import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { CommuneSeed } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
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

/** Seeds the commune and its hamlets on first start; later starts leave them as edited. */
export function seedCommune(db: Db, seed: CommuneSeed): void {
  const exists = db.prepare('SELECT 1 FROM communes WHERE code = ?').get(seed.code);
  if (exists) return;
  db.transaction(() => {
    db.prepare('INSERT INTO communes (code, name, district, province) VALUES (?, ?, ?, ?)').run(seed.code, seed.name, seed.district, seed.province);
    const insert = db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, ?)');
    seed.hamlets.forEach((h, i) => insert.run(h.code, seed.code, h.name, i));
  })();
}

/** The commune's name (the author of its public notices); "Xã" before one is seeded. */
export function communeName(db: Db): string {
  const row = db.prepare('SELECT name FROM communes ORDER BY code LIMIT 1').get() as { name: string } | undefined;
  return row?.name ?? 'Xã';
}

/**
 * The hamlets with their box counts, in their usual order. Given a person, only what they see: a
 * commune's people their commune's hamlets (so every count shown to them is their commune's), a
 * province-level person all of them.
 */
export function listHamlets(db: Db, person?: Scoped): Hamlet[] {
  const commune = person && person.communeCode !== null ? person.communeCode : null;
  return db
    .prepare(
      `SELECT h.code, h.name, h.commune_code AS communeCode, COUNT(e.id) AS edges, COALESCE(SUM(s.online), 0) AS online
       FROM hamlets h LEFT JOIN edges e ON e.hamlet_code = h.code LEFT JOIN edge_state s ON s.edge_id = e.id
       ${commune ? 'WHERE h.commune_code = ?' : ''}
       GROUP BY h.code ORDER BY h.position`,
    )
    .all(...(commune ? [commune] : [])) as Hamlet[];
}

const hamletSchema = z
  .object({ code: z.string(), name: z.string(), communeCode: z.string(), edges: z.number(), online: z.number() })
  .openapi('Hamlet');

export function createHamletsRoutes({ guard, db }: { guard: Guard; db: Db }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, 'hamlets.read', {
      method: 'get',
      path: '/hamlets',
      tags: ['Fleet'],
      summary: 'The hamlets of the commune with their box counts',
      responses: { 200: jsonContent(z.object({ hamlets: z.array(hamletSchema) }), 'Hamlets in their usual order') },
    }),
    (c) => c.json({ hamlets: listHamlets(db, currentUser(c)) }, 200),
  );
  return app;
}
