import type { QueryDatabase } from '../../../db/query/index.js';
import type { Role } from '../../../users/roles.js';
import { insertPlaces } from '../../../../../test-support/places.js';

/**
 * Two communes for the store tests on both databases: vi-tan (hamlets ap-1, ap-2) and vi-thuy
 * (vt-1), a box in each (edge_A in ap-1 with camera cam-1 "Cổng chợ", edge_B in vt-1 with cam-9),
 * written through the query layer so the same seed runs on SQLite and PostgreSQL.
 */
export async function seedTwoCommunes(q: QueryDatabase): Promise<void> {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: { id: 'edge_A', name: 'Cổng trường' } }, { code: 'ap-2', name: 'Ấp 2' }] },
    { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy', hamlets: [{ code: 'vt-1', name: 'Ấp Vị Thủy 1', edge: { id: 'edge_B', name: 'Chợ Vị Thủy' } }] },
  ]);
  const { db } = q;
  const surveillance = (cameras: { id: string; name: string }[]) => JSON.stringify({ surveillance: { cameras } });
  await db
    .insertInto('documents')
    .values([
      { edge_id: 'edge_A', doc: 'surveillance', version: 1, body: surveillance([{ id: 'cam-1', name: 'Cổng chợ' }]), issued_at: 0 },
      { edge_id: 'edge_A', doc: 'radio', version: 1, body: JSON.stringify({ radio: { zones: [] } }), issued_at: 0 },
      { edge_id: 'edge_B', doc: 'surveillance', version: 1, body: surveillance([{ id: 'cam-9', name: 'Bến đò' }]), issued_at: 0 },
    ])
    .execute();
}

/** A person straight into the table (the password is not what these tests are about). */
export async function addPerson({ db }: QueryDatabase, id: string, role: Role, communeCode: string | null, disabled = false): Promise<{ id: string; role: Role; communeCode: string | null }> {
  await db
    .insertInto('users')
    .values({ id, username: id, display_name: id, role, password_hash: 'x', disabled: disabled ? 1 : 0, must_change_password: 0, created_at: 0, updated_at: 0, commune_code: communeCode })
    .execute();
  return { id, role, communeCode };
}
