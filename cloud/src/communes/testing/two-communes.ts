import type { TestCloud } from '../../../../test-support/cloud.js';
import { UserStore } from '../../users/user-store.js';

/* Tests of commune scoping: a second commune and people of either, until the communes API lands. */

/** A second commune with one hamlet, straight into the database (the communes API is another change's). */
export function addCommune(test: TestCloud, code: string, hamletCode: string): void {
  test.cloud.db
    .prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES (?, ?, 'Thành phố Vị Thanh', 'Tỉnh Hậu Giang', ?)")
    .run(code, `Xã ${code}`, Date.now());
  test.cloud.db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, 100)').run(hamletCode, code, `Ấp ${hamletCode}`);
}

/** A signed-in person of `communeCode` (null: province-level): their id, bearer token and console session. */
export async function personOf(test: TestCloud, username: string, role: 'police' | 'admin' | 'operator', communeCode: string | null) {
  const user = await new UserStore(test.cloud.query).create({ username, role, communeCode, password: `password-${username}`, mustChangePassword: false });
  const token = await test.login(username, `password-${username}`);
  return { id: user.id, token };
}
