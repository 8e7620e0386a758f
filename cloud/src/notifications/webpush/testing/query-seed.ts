import type { QueryDatabase } from '../../../db/query/index.js';
import type { Role } from '../../../users/roles.js';

/**
 * Two communes for the store tests on both databases: vi-tan (hamlets ap-1, ap-2) and vi-thuy
 * (vt-1), a box in each (edge_A in ap-1 with camera cam-1 "Cổng chợ", edge_B in vt-1 with cam-9),
 * written through the query layer so the same seed runs on SQLite and PostgreSQL.
 */
export async function seedTwoCommunes({ db }: QueryDatabase): Promise<void> {
  await db
    .insertInto('communes')
    .values([
      { code: 'vi-tan', name: 'Vị Tân', district: 'Vị Thanh', province: 'Hậu Giang' },
      { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy', province: 'Hậu Giang' },
    ])
    .execute();
  await db
    .insertInto('hamlets')
    .values([
      { code: 'ap-1', commune_code: 'vi-tan', name: 'Ấp 1', position: 1 },
      { code: 'ap-2', commune_code: 'vi-tan', name: 'Ấp 2', position: 2 },
      { code: 'vt-1', commune_code: 'vi-thuy', name: 'Ấp Vị Thủy 1', position: 1 },
    ])
    .execute();
  await db
    .insertInto('edges')
    .values([
      { id: 'edge_A', name: 'Cổng trường', hamlet_code: 'ap-1', status: 'active', created_at: 0, updated_at: 0 },
      { id: 'edge_B', name: 'Chợ Vị Thủy', hamlet_code: 'vt-1', status: 'active', created_at: 0, updated_at: 0 },
    ])
    .execute();
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
