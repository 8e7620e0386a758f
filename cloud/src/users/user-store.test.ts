import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { ApiError } from '../http/errors.js';
import { UserStore } from './user-store.js';
import { insertPlaces } from '../../../test-support/places.js';

/** Two communes for the scope tests (h-communes' API is not what is tested here). */
const twoCommunes = (q: TestDatabase) =>
  insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân' },
    { code: 'vi-dong', name: 'Vị Đông', district: 'Vị Thủy' },
  ]);

const statusOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
};

forEachDatabase('user store', (get) => {
  it('creates a person, finds them for login ignoring case, and refuses a taken username whatever its case', async () => {
    const users = new UserStore(get());
    expect(await users.count()).toBe(0);
    const created = await users.create({ username: 'Thu', role: 'operator', password: 'password-of-thu', mustChangePassword: false });
    expect(created).toMatchObject({ username: 'Thu', displayName: 'Thu', role: 'operator', communeCode: null, disabled: false, mustChangePassword: false });
    expect(await users.get(created.id)).toEqual(created);
    const found = await users.findForLogin('thu');
    expect(found?.user.id).toBe(created.id);
    expect(found?.passwordHash).toMatch(/^scrypt\$/);
    expect(await users.findForLogin('nobody')).toBeNull();
    await expect(users.create({ username: 'THU', role: 'viewer', password: 'another-password' })).rejects.toMatchObject({ status: 409 });
    expect(await users.count()).toBe(1);
    expect(await statusOf(users.get('usr_missing'))).toBe(404);
  });

  it('changes a role, a password and flags, leaving what the patch does not name', async () => {
    const users = new UserStore(get());
    await users.create({ username: 'admin', role: 'admin', password: 'password-of-admin', mustChangePassword: false });
    const op = await users.create({ username: 'op', displayName: 'Chị Lan', role: 'operator', password: 'password-of-op', mustChangePassword: true });
    const before = (await users.findForLogin('op'))!.passwordHash;
    const changed = await users.update(op.id, { role: 'technician', mustChangePassword: false });
    expect(changed).toMatchObject({ role: 'technician', displayName: 'Chị Lan', mustChangePassword: false, disabled: false });
    expect((await users.findForLogin('op'))!.passwordHash).toBe(before);
    await users.update(op.id, { password: 'a-new-password', disabled: true });
    expect((await users.findForLogin('op'))!.passwordHash).not.toBe(before);
    expect((await users.get(op.id)).disabled).toBe(true);
    expect(await statusOf(users.update('usr_missing', { role: 'viewer' }))).toBe(404);
  });

  it("keeps the commune's people to their commune and never shows them the province's people", async () => {
    await twoCommunes(get());
    const users = new UserStore(get());
    await users.create({ username: 'province-admin', role: 'admin', password: 'pw-province', mustChangePassword: false });
    const tan = await users.create({ username: 'tan-admin', role: 'admin', communeCode: 'vi-tan', password: 'pw-tan', mustChangePassword: false });
    await users.create({ username: 'dong-op', role: 'operator', communeCode: 'vi-dong', password: 'pw-dong', mustChangePassword: false });
    expect((await users.list()).map((u) => u.username)).toEqual(['dong-op', 'province-admin', 'tan-admin']);
    expect((await users.list({ communeCode: null })).map((u) => u.username)).toEqual(['dong-op', 'province-admin', 'tan-admin']);
    expect((await users.list({ communeCode: 'vi-tan' })).map((u) => u.username)).toEqual(['tan-admin']);
    expect((await users.list({ communeCode: 'vi-dong' })).map((u) => u.username)).toEqual(['dong-op']);
    // moved to the other commune, then made province-level
    expect((await users.update(tan.id, { communeCode: 'vi-dong' })).communeCode).toBe('vi-dong');
    expect((await users.list({ communeCode: 'vi-tan' })).map((u) => u.username)).toEqual([]);
    expect((await users.update(tan.id, { communeCode: null })).communeCode).toBeNull();
  });

  it('never leaves the province without an active province-level admin', async () => {
    await twoCommunes(get());
    const users = new UserStore(get());
    const admin = await users.create({ username: 'admin', role: 'admin', password: 'password-of-admin', mustChangePassword: false });
    const communeAdmin = await users.create({ username: 'tan-admin', role: 'admin', communeCode: 'vi-tan', password: 'pw-tan', mustChangePassword: false });
    expect(await statusOf(users.update(admin.id, { role: 'viewer' }))).toBe(409);
    expect(await statusOf(users.update(admin.id, { disabled: true }))).toBe(409);
    expect(await statusOf(users.update(admin.id, { communeCode: 'vi-tan' }))).toBe(409);
    expect(await statusOf(users.delete(admin.id))).toBe(409);
    // a commune's admin is not the province's: they may go
    expect(await statusOf(users.update(communeAdmin.id, { disabled: true }))).toBe('ok');
    expect(await statusOf(users.delete(communeAdmin.id))).toBe('ok');
    expect(await statusOf(users.delete(communeAdmin.id))).toBe(404);
    // with a second one, the first may be demoted; changes that do not demote always pass
    const second = await users.create({ username: 'admin-2', role: 'admin', password: 'password-of-admin-2', mustChangePassword: false });
    expect(await statusOf(users.update(admin.id, { displayName: 'Anh Hùng' }))).toBe('ok');
    expect(await statusOf(users.update(admin.id, { role: 'viewer' }))).toBe('ok');
    expect(await statusOf(users.delete(second.id))).toBe(409);
  });

  it("waits for another connection's demotion of the other admin, then refuses to demote the last one", async () => {
    const users = new UserStore(get());
    const a = await users.create({ username: 'admin-a', role: 'admin', password: 'password-of-a', mustChangePassword: false });
    const b = await users.create({ username: 'admin-b', role: 'admin', password: 'password-of-b', mustChangePassword: false });
    // another process is demoting admin-a and has not committed yet: under PostgreSQL's READ
    // COMMITTED a check made now would still see admin-a active, and both demotions would pass
    let committed = false;
    const other = get()
      .db.transaction()
      .execute(async (trx) => {
        await trx.updateTable('users').set({ role: 'viewer' }).where('id', '=', a.id).execute();
        await new Promise((resolve) => setTimeout(resolve, 300));
        committed = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const outcome = await statusOf(users.update(b.id, { disabled: true }));
    await other;
    expect(committed).toBe(true);
    expect(outcome).toBe(409);
    const active = (await users.list()).filter((u) => u.role === 'admin' && !u.disabled && u.communeCode === null);
    expect(active.map((u) => u.username)).toEqual(['admin-b']);
  });
});
