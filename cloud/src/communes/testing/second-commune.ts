import type { Db } from '../../db/database.js';
import { UserStore } from '../../users/user-store.js';
import type { Role } from '../../users/roles.js';
import type { TestCloud } from '../../../../test-support/cloud.js';

/** A second commune beside the seeded Vị Tân, with two hamlets of province-unique codes (until the communes API lands, straight into the database). */
export const VI_THUY = { code: 'vi-thuy', name: 'Xã Vị Thủy', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang', hamlets: [{ code: 'vt-ap-1', name: 'Ấp Vĩnh Phú' }, { code: 'vt-ap-2', name: 'Ấp Vĩnh Thuận' }] };

export function addCommune(db: Db, commune: typeof VI_THUY = VI_THUY, now = Date.now()): void {
  db.prepare('INSERT INTO communes (code, name, district, province, created_at) VALUES (?, ?, ?, ?, ?)').run(commune.code, commune.name, commune.district, commune.province, now);
  const hamlet = db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, ?)');
  commune.hamlets.forEach((h, i) => hamlet.run(h.code, commune.code, h.name, i));
}

/** A person of one commune (null: province-level), logged in: their bearer token. */
export async function personOf(test: TestCloud, role: Role, communeCode: string | null, username: string): Promise<{ id: string; token: string }> {
  const password = `password-${username}`;
  const user = await new UserStore(test.cloud.query).create({ username, role, communeCode, password, mustChangePassword: false });
  return { id: user.id, token: await test.login(username, password) };
}
