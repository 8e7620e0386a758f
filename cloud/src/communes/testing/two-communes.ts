import type { TestCloud } from '../../../../test-support/cloud.js';
import { UserStore } from '../../users/user-store.js';

/* Tests of commune scoping: a second commune and people of either, until the communes API lands. */

/** A second commune with one hamlet, straight into the database (the communes API is another change's). */
export async function addCommune(test: TestCloud, code: string, hamletCode: string): Promise<void> {
  const { db } = test.cloud.query;
  await db.insertInto('communes').values({ code, name: `Xã ${code}`, district: 'Thành phố Vị Thanh', province: 'Tỉnh Hậu Giang', created_at: Date.now() }).execute();
  await db.insertInto('hamlets').values({ code: hamletCode, commune_code: code, name: `Ấp ${hamletCode}`, position: 100 }).execute();
}

/** A signed-in person of `communeCode` (null: province-level): their id, bearer token and console session. */
export async function personOf(test: TestCloud, username: string, role: 'police' | 'admin' | 'operator', communeCode: string | null) {
  const user = await new UserStore(test.cloud.query).create({ username, role, communeCode, password: `password-${username}`, mustChangePassword: false });
  const token = await test.login(username, `password-${username}`);
  return { id: user.id, token };
}
