import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';

/** People belong to the province or to one commune; a commune's admin manages only their commune's. */
describe('people and their communes', () => {
  let test: TestCloud;
  let communeAdmin: string;
  let otherId: string;
  beforeAll(async () => {
    test = await startTestCloud();
    const created = await test.request('POST', '/api/v1/communes', { code: 'xa-b', name: 'Xã B', province: 'Tỉnh Thử', hamlets: [{ code: 'b-1', name: 'Ấp B1' }] });
    expect(created.status).toBe(201);
    expect((await test.request('POST', '/api/v1/users', { username: 'a-admin', role: 'admin', communeCode: 'vi-tan', password: 'password-a-admin', mustChangePassword: false })).status).toBe(201);
    communeAdmin = await test.login('a-admin', 'password-a-admin');
    const other = await test.request('POST', '/api/v1/users', { username: 'b-operator', role: 'operator', communeCode: 'xa-b', password: 'password-b-operator', mustChangePassword: false });
    otherId = other.body.id;
  });
  afterAll(async () => {
    await test.stop();
  });

  it("puts a commune's admin's new people in their commune, and lists only those", async () => {
    const made = await test.request('POST', '/api/v1/users', { username: 'a-tech', role: 'technician', password: 'password-a-tech', mustChangePassword: false }, communeAdmin);
    expect(made.status).toBe(201);
    expect(made.body.communeCode).toBe('vi-tan');
    const list = await test.request('GET', '/api/v1/users', undefined, communeAdmin);
    expect(list.body.users.map((u: { username: string }) => u.username).sort()).toEqual(['a-admin', 'a-tech']);
    const all = await test.request('GET', '/api/v1/users');
    expect(all.body.users.map((u: { username: string }) => u.username).sort()).toEqual(['a-admin', 'a-tech', 'admin', 'b-operator']);
  });

  it("never lets a commune's admin make a province-level person or one of another commune", async () => {
    const province = await test.request('POST', '/api/v1/users', { username: 'a-prov', role: 'operator', communeCode: null, password: 'password-a-prov' }, communeAdmin);
    expect([province.status, province.body.error.code]).toEqual([403, 'forbidden']);
    const other = await test.request('POST', '/api/v1/users', { username: 'a-other', role: 'operator', communeCode: 'xa-b', password: 'password-a-other' }, communeAdmin);
    const missing = await test.request('POST', '/api/v1/users', { username: 'a-none', role: 'operator', communeCode: 'xa-none', password: 'password-a-none' }, communeAdmin);
    // another commune reads exactly as no commune
    expect([other.status, other.body.error.details]).toEqual([400, [{ path: 'communeCode', message: 'no commune "xa-b"' }]]);
    expect(missing.body.error.message).toBe('communeCode: no commune "xa-none"');
    const me = (await test.request('GET', '/api/v1/users', undefined, communeAdmin)).body.users.find((u: { username: string }) => u.username === 'a-admin');
    const promote = await test.request('PATCH', `/api/v1/users/${me.id}`, { communeCode: null }, communeAdmin);
    expect(promote.status).toBe(403);
  });

  it("answers 404 to a commune's admin for another commune's person, whatever the method", async () => {
    for (const [method, body] of [
      ['PATCH', { displayName: 'x' }],
      ['PATCH', { password: 'another-long-password' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await test.request(method, `/api/v1/users/${otherId}`, body, communeAdmin);
      expect([res.status, res.body.error.message], method).toEqual([404, `user ${otherId} not found`]);
    }
    const admin = (await test.request('GET', '/api/v1/users')).body.users.find((u: { username: string }) => u.username === 'admin');
    expect((await test.request('PATCH', `/api/v1/users/${admin.id}`, { disabled: true }, communeAdmin)).status).toBe(404);
    expect((await test.request('GET', '/api/v1/users')).body.users.find((u: { username: string }) => u.username === 'b-operator').displayName).toBe('b-operator');
  });

  it('moves a person to another commune: their open sessions see the new commune at once', async () => {
    const token = await test.login('b-operator', 'password-b-operator');
    const before = await test.request('GET', '/api/v1/hamlets', undefined, token);
    expect(before.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['b-1']);
    const retired = await test.request('PATCH', `/api/v1/users/${otherId}`, { communeCode: 'xa-none' });
    expect([retired.status, retired.body.error.message]).toEqual([400, 'communeCode: no commune "xa-none"']);
    const moved = await test.request('PATCH', `/api/v1/users/${otherId}`, { communeCode: 'vi-tan' });
    expect(moved.body.communeCode).toBe('vi-tan');
    const after = await test.request('GET', '/api/v1/hamlets', undefined, token);
    expect(after.body.hamlets).toHaveLength(9);
    expect(after.body.hamlets.map((h: { code: string }) => h.code)).not.toContain('b-1');
    // now theirs to manage
    expect((await test.request('PATCH', `/api/v1/users/${otherId}`, { displayName: 'Chị Ba' }, communeAdmin)).body.displayName).toBe('Chị Ba');
  });

  it("keeps the province's last active admin: a commune's admin does not count", async () => {
    const admin = (await test.request('GET', '/api/v1/users')).body.users.find((u: { username: string }) => u.username === 'admin');
    const moved = await test.request('PATCH', `/api/v1/users/${admin.id}`, { communeCode: 'vi-tan' });
    expect([moved.status, moved.body.error.message]).toEqual([409, 'the last active admin cannot be removed, disabled or demoted']);
    const demoted = await test.request('PATCH', `/api/v1/users/${admin.id}`, { role: 'operator' });
    expect(demoted.status).toBe(409);
    const me = (await test.request('GET', '/api/v1/users', undefined, communeAdmin)).body.users.find((u: { username: string }) => u.username === 'a-admin');
    expect((await test.request('PATCH', `/api/v1/users/${me.id}`, { role: 'operator' })).body.role).toBe('operator');
  });
});
