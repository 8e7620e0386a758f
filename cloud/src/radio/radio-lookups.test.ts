import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../test-support/databases.js';
import { insertPlaces } from '../../../test-support/places.js';
import { UserStore } from '../users/user-store.js';
import { liveSessionCommune, operatorOf } from './radio-lookups.js';

forEachDatabase("the radio's look-ups of people and live sessions", (get) => {
  it('knows an enabled admin or operator by id, with their commune; nobody else', async () => {
    const q = get();
    await insertPlaces(q, [{ code: 'vi-tan', name: 'Xã Vị Tân' }]);
    const users = new UserStore(q);
    const add = (username: string, role: 'admin' | 'operator' | 'technician', communeCode: string | null = null) =>
      users.create({ username, role, communeCode, password: 'mat-khau-dai-du-12', mustChangePassword: false });
    const operator = await add('vt.truyenthanh', 'operator', 'vi-tan');
    const admin = await add('tinh.admin', 'admin');
    const technician = await add('vt.kythuat', 'technician', 'vi-tan');
    const gone = await add('vt.cu', 'operator', 'vi-tan');
    await users.update(gone.id, { disabled: true });
    expect(await operatorOf(users, operator.id)).toEqual({ id: operator.id, username: 'vt.truyenthanh', communeCode: 'vi-tan' });
    expect(await operatorOf(users, admin.id)).toEqual({ id: admin.id, username: 'tinh.admin', communeCode: null });
    expect(await operatorOf(users, technician.id)).toBeNull();
    expect(await operatorOf(users, gone.id)).toBeNull();
    expect(await operatorOf(users, 'usr_none')).toBeNull();
    expect(await operatorOf(users, null)).toBeNull();
    expect(await users.find(technician.id)).toMatchObject({ username: 'vt.kythuat', role: 'technician' });
    expect(await users.find('usr_none')).toBeNull();
  });

  it("tells a live session's commune: its commune's, null for the province's own or no such session", async () => {
    const q = get();
    await insertPlaces(q, [{ code: 'vi-tan', name: 'Xã Vị Tân' }]);
    const session = (id: string, commune_code: string | null) => ({
      id,
      source: 'voice',
      title: 'Thông báo',
      priority: 'normal',
      edges: '[]',
      hamlet_codes: '[]',
      started_at: 1,
      epoch: 1,
      file: `${id}.ogg`,
      commune_code,
    });
    await q.db.insertInto('live_sessions').values([session('live_a', 'vi-tan'), session('live_b', null)]).execute();
    expect(await liveSessionCommune(q, 'live_a')).toBe('vi-tan');
    expect(await liveSessionCommune(q, 'live_b')).toBeNull();
    expect(await liveSessionCommune(q, 'live_none')).toBeNull();
  });
});
