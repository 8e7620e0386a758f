/**
 * One province written into a migrated database (SQLite or PostgreSQL, through the query layer, so
 * both hold the same rows): N communes of nine hamlets, an active box in every hamlet, and in each
 * commune a police officer and a radio operator. Plain arrays come back, for the measures that fill
 * data (scripts/bench/lib/province-queue.ts, province-calendar.ts) and run queries as those people.
 */
import type { QueryDatabase } from '../../../cloud/src/db/query/index.js';

export const HAMLETS_PER_COMMUNE = 9;

export interface ProvinceFixture {
  communes: string[];
  hamlets: string[];
  /** One box per hamlet, in the order of `hamlets`. */
  edges: string[];
  hamletCommune: Map<string, string>;
  /** A commune police officer of each commune, in the order of `communes`. */
  police: { id: string; communeCode: string }[];
  operators: { id: string; communeCode: string }[];
}

const code = (c: number) => `bench-${String(c).padStart(3, '0')}`;

export async function seedProvinceFixture(q: QueryDatabase, options: { communes: number; now?: number }): Promise<ProvinceFixture> {
  const now = options.now ?? Date.now();
  const f: ProvinceFixture = { communes: [], hamlets: [], edges: [], hamletCommune: new Map(), police: [], operators: [] };
  for (let c = 1; c <= options.communes; c++) {
    const commune = code(c);
    f.communes.push(commune);
    for (let h = 1; h <= HAMLETS_PER_COMMUNE; h++) {
      const hamlet = `${commune}-${h}`;
      f.hamlets.push(hamlet);
      f.edges.push(`edg_${commune}_${h}`);
      f.hamletCommune.set(hamlet, commune);
    }
    f.police.push({ id: `usr_police_${commune}`, communeCode: commune });
    f.operators.push({ id: `usr_operator_${commune}`, communeCode: commune });
  }
  await q.db.transaction().execute(async (trx) => {
    await trx.insertInto('communes').values(f.communes.map((c, i) => ({ code: c, name: `Xã thử ${i + 1}`, district: 'Huyện thử', province: 'Tỉnh thử', created_at: now }))).execute();
    await trx.insertInto('hamlets').values(f.hamlets.map((h, i) => ({ code: h, commune_code: f.hamletCommune.get(h)!, name: `Ấp ${(i % HAMLETS_PER_COMMUNE) + 1}`, position: i % HAMLETS_PER_COMMUNE }))).execute();
    await trx.insertInto('edges').values(f.edges.map((id, i) => ({ id, name: `Tủ ${f.hamlets[i]}`, hamlet_code: f.hamlets[i]!, status: 'active', claimed_at: now, created_at: now, updated_at: now }))).execute();
    const people = [...f.police.map((p) => ({ ...p, role: 'police' })), ...f.operators.map((p) => ({ ...p, role: 'operator' }))];
    await trx
      .insertInto('users')
      // no password yet: the benchmark gives the people it signs in one through the cloud's UserStore (province-http.ts)
      .values(people.map((p) => ({ id: p.id, username: p.id.slice(4), display_name: p.id, role: p.role, password_hash: '!', commune_code: p.communeCode, created_at: now, updated_at: now })))
      .execute();
  });
  return f;
}
