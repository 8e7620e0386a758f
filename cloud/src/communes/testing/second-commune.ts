import type { QueryDatabase } from '../../db/query/index.js';
import { UserStore } from '../../users/user-store.js';
import type { Role } from '../../users/roles.js';
import type { TestCloud } from '../../../../test-support/cloud.js';

/** A second commune beside the seeded Vị Tân, with two hamlets of province-unique codes (until the communes API lands, straight into the database). */
export const VI_THUY = { code: 'vi-thuy', name: 'Xã Vị Thủy', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang', hamlets: [{ code: 'vt-ap-1', name: 'Ấp Vĩnh Phú' }, { code: 'vt-ap-2', name: 'Ấp Vĩnh Thuận' }] };

export async function addCommune({ db }: QueryDatabase, commune: typeof VI_THUY = VI_THUY, now = Date.now()): Promise<void> {
  await db.insertInto('communes').values({ code: commune.code, name: commune.name, district: commune.district, province: commune.province, created_at: now }).execute();
  await db
    .insertInto('hamlets')
    .values(commune.hamlets.map((h, i) => ({ code: h.code, commune_code: commune.code, name: h.name, position: i })))
    .execute();
}

/** A person of one commune (null: province-level), logged in: their bearer token. */
export async function personOf(test: TestCloud, role: Role, communeCode: string | null, username: string): Promise<{ id: string; token: string }> {
  const password = `password-${username}`;
  const user = await new UserStore(test.cloud.query).create({ username, role, communeCode, password, mustChangePassword: false });
  return { id: user.id, token: await test.login(username, password) };
}
