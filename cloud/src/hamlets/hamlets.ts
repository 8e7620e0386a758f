import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { CommuneSeed } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonContent } from '../http/route.js';
import { currentUser } from '../http/access.js';
import { communeClause, type Scoped } from '../communes/scope.js';

export interface Hamlet {
  code: string;
  name: string;
  communeCode: string;
  edges: number;
  online: number;
}

/**
 * Seeds a commune and its hamlets when it is not there yet (the first start seeds the pilot's);
 * later starts leave it as edited.
 */
export function seedCommune(db: Db, seed: CommuneSeed, now = Date.now()): void {
  const exists = db.prepare('SELECT 1 FROM communes WHERE code = ?').get(seed.code);
  if (exists) return;
  db.transaction(() => {
    db.prepare('INSERT INTO communes (code, name, district, province, created_at) VALUES (?, ?, ?, ?, ?)').run(seed.code, seed.name, seed.district, seed.province, now);
    const insert = db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, ?)');
    seed.hamlets.forEach((h, i) => insert.run(h.code, seed.code, h.name, i));
  })();
}

/**
 * The hamlets in service (neither they nor their commune retired), in their communes' order then
 * their own: what every picker offers. Given a person, only those their commune holds (all of
 * them for a province-level person).
 */
export function listHamlets(db: Db, person?: Scoped): Hamlet[] {
  const scope = person ? communeClause(person, 'h.commune_code', { provinceItems: false }) : { sql: '', params: [] };
  return db
    .prepare(
      `SELECT h.code, h.name, h.commune_code AS communeCode, COUNT(e.id) AS edges, COALESCE(SUM(s.online), 0) AS online
       FROM hamlets h JOIN communes c ON c.code = h.commune_code
       LEFT JOIN edges e ON e.hamlet_code = h.code LEFT JOIN edge_state s ON s.edge_id = e.id
       WHERE h.retired_at IS NULL AND c.retired_at IS NULL${scope.sql}
       GROUP BY h.code ORDER BY c.created_at IS NULL, c.created_at, c.code, h.position`,
    )
    .all(...scope.params) as Hamlet[];
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
      summary: "The hamlets in service with their box counts: a commune's people see their commune's, a province-level person every commune's",
      responses: { 200: jsonContent(z.object({ hamlets: z.array(hamletSchema) }), 'Hamlets in their usual order') },
    }),
    (c) => c.json({ hamlets: listHamlets(db, currentUser(c)) }, 200),
  );
  return app;
}
