import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type Reply, type TestCloud } from '../../../test-support/cloud.js';

describe('users API', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const request = (method: string, path: string, body?: unknown, token: string | null = test.adminToken): Promise<Reply> => test.request(method, path, body, token);
  const canLogin = async (username: string, password: string) =>
    (await request('POST', '/api/v1/auth/token', { username, password }, null)).status === 200;
  const adminId = async () => ((await request('GET', '/api/v1/users')).body.users as { id: string; username: string }[]).find((u) => u.username === 'admin')!.id;
  const createUser = async (username: string, role: string, password = `pw-of-${username}`) => {
    const res = await request('POST', '/api/v1/users', { username, role, password, mustChangePassword: false });
    expect(res.status).toBe(201);
    return res.body as { id: string; username: string; displayName: string; role: string };
  };

  describe('create', () => {
    it('creates a user with a role (201) who can then log in', async () => {
      const res = await request('POST', '/api/v1/users', { username: 'nguyen.van.a', displayName: 'Nguyễn Văn A', role: 'operator', password: 'mật-khẩu-dài' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ username: 'nguyen.van.a', displayName: 'Nguyễn Văn A', role: 'operator', disabled: false, mustChangePassword: true });
      expect(res.body.id).toMatch(/^usr_/);
      expect(Object.keys(res.body).sort()).toEqual(['communeCode', 'createdAt', 'disabled', 'displayName', 'id', 'mustChangePassword', 'role', 'updatedAt', 'username']);
      expect(await canLogin('nguyen.van.a', 'mật-khẩu-dài')).toBe(true);

      const list = await request('GET', '/api/v1/users');
      expect(list.body.users.map((u: { username: string }) => u.username)).toEqual(['admin', 'nguyen.van.a']);
    });

    it('uses the username as display name when none is given', async () => {
      const user = await createUser('tech-2', 'technician');
      expect(user.displayName).toBe('tech-2');
    });

    it('refuses a username that is taken with 409, whatever its case', async () => {
      await createUser('police-1', 'police');
      for (const username of ['police-1', 'POLICE-1']) {
        const res = await request('POST', '/api/v1/users', { username, role: 'viewer', password: 'another-password' });
        expect(res.status, username).toBe(409);
        expect(res.body.error.code).toBe('conflict');
        expect(res.body.error.message).toContain(username);
      }
      // the first one keeps its role and password
      expect(await canLogin('police-1', 'pw-of-police-1')).toBe(true);
    });

    it.each([
      ['a too short username', { username: 'ab', role: 'viewer', password: 'password-1' }, ['username']],
      ['a username with spaces', { username: 'văn a', role: 'viewer', password: 'password-1' }, ['username']],
      ['an unknown role', { username: 'user-1', role: 'chairman', password: 'password-1' }, ['role']],
      ['a short password', { username: 'user-1', role: 'viewer', password: 'short' }, ['password']],
      ['an empty display name', { username: 'user-1', displayName: '  ', role: 'viewer', password: 'password-1' }, ['displayName']],
      ['nothing at all', {}, ['password', 'role', 'username']],
    ])('refuses %s with 400 naming the field', async (_case, body, fields) => {
      const res = await request('POST', '/api/v1/users', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect([...new Set(res.body.error.details.map((d: { path: string }) => d.path))].sort()).toEqual(fields);
      expect((await request('GET', '/api/v1/users')).body.users).toHaveLength(1);
    });
  });

  describe('change', () => {
    it('changes the display name and role, and the new role applies to the existing session', async () => {
      const user = await createUser('viewer-1', 'viewer');
      const session = await test.login('viewer-1', 'pw-of-viewer-1');
      expect((await request('POST', '/api/v1/edges', { name: 'Tủ A', hamletCode: 'ap-1' }, session)).status).toBe(403);

      const res = await request('PATCH', `/api/v1/users/${user.id}`, { role: 'technician', displayName: 'Trần Thị B' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, role: 'technician', displayName: 'Trần Thị B', username: 'viewer-1' });
      expect((await request('POST', '/api/v1/edges', { name: 'Tủ A', hamletCode: 'ap-1' }, session)).status).toBe(201);
    });

    it('resets a password: the old one stops working, the new one works, old sessions end', async () => {
      const user = await createUser('operator-1', 'operator');
      const session = await test.login('operator-1', 'pw-of-operator-1');

      const res = await request('PATCH', `/api/v1/users/${user.id}`, { password: 'brand-new-password' });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain('brand-new-password');

      expect(await canLogin('operator-1', 'pw-of-operator-1')).toBe(false);
      expect(await canLogin('operator-1', 'brand-new-password')).toBe(true);
      expect((await request('GET', '/api/v1/edges', undefined, session)).status).toBe(401);
    });

    it('does not end sessions for a change of name or role', async () => {
      const user = await createUser('viewer-2', 'viewer');
      const session = await test.login('viewer-2', 'pw-of-viewer-2');
      await request('PATCH', `/api/v1/users/${user.id}`, { displayName: 'Lê Văn C', role: 'police' });
      expect((await request('GET', '/api/v1/edges', undefined, session)).status).toBe(200);
    });

    it('disables a user', async () => {
      const user = await createUser('viewer-3', 'viewer');
      const res = await request('PATCH', `/api/v1/users/${user.id}`, { disabled: true });
      expect(res.status).toBe(200);
      expect(res.body.disabled).toBe(true);
      expect((await request('GET', '/api/v1/users')).body.users.find((u: { id: string }) => u.id === user.id).disabled).toBe(true);
      expect(await canLogin('viewer-3', 'pw-of-viewer-3')).toBe(false);
    });

    it('refuses an invalid change with 400 naming the field, and changes nothing', async () => {
      const user = await createUser('viewer-4', 'viewer');
      const res = await request('PATCH', `/api/v1/users/${user.id}`, { role: 'root', password: '123' });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['password', 'role']);
      expect(await canLogin('viewer-4', 'pw-of-viewer-4')).toBe(true);
    });

    it('answers 404 for an unknown user', async () => {
      const res = await request('PATCH', '/api/v1/users/usr_doesnotexist', { displayName: 'X' });
      expect(res.status).toBe(404);
      expect(res.body.error).toEqual({ code: 'not_found', message: 'user usr_doesnotexist not found' });
    });
  });

  describe('delete', () => {
    it('deletes a user (204): gone from the list, cannot log in', async () => {
      const user = await createUser('tech-1', 'technician');
      const res = await test.cloud.app.request(`/api/v1/users/${user.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${test.adminToken}` } });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect((await request('GET', '/api/v1/users')).body.users.map((u: { id: string }) => u.id)).not.toContain(user.id);
      expect(await canLogin('tech-1', 'pw-of-tech-1')).toBe(false);
      expect((await request('DELETE', `/api/v1/users/${user.id}`)).status).toBe(404);
    });

    it('frees the username for a new user', async () => {
      const user = await createUser('tech-3', 'technician');
      await request('DELETE', `/api/v1/users/${user.id}`);
      const again = await request('POST', '/api/v1/users', { username: 'tech-3', role: 'viewer', password: 'password-new' });
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(user.id);
    });

    it('keeps the claim tokens a deleted technician issued', async () => {
      await createUser('tech-4', 'technician');
      const techToken = await test.login('tech-4', 'pw-of-tech-4');
      const edge = (await request('POST', '/api/v1/edges', { name: 'Tủ B', hamletCode: 'ap-3' }, techToken)).body;
      const claim = (await test.api('POST', `/api/v1/edges/${edge.id}/claim-tokens`, undefined, techToken)).body;
      const techId = ((await request('GET', '/api/v1/users')).body.users as { id: string; username: string }[]).find((u) => u.username === 'tech-4')!.id;
      expect((await request('DELETE', `/api/v1/users/${techId}`)).status).toBe(204);
      const claimed = await request('POST', '/api/v1/provision/claim', { token: claim.token }, null);
      expect(claimed.status).toBe(200);
      expect(claimed.body.edgeId).toBe(edge.id);
    });
  });

  describe('the last active admin', () => {
    it('cannot be deleted, disabled or demoted (409), and still works afterwards', async () => {
      const id = await adminId();
      for (const [method, body] of [
        ['DELETE', undefined],
        ['PATCH', { disabled: true }],
        ['PATCH', { role: 'technician' }],
        ['PATCH', { role: 'viewer', displayName: 'Người xem' }],
        ['PATCH', { role: 'admin', disabled: true }],
      ] as const) {
        const res = await request(method, `/api/v1/users/${id}`, body);
        expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(409);
        expect(res.body.error.code).toBe('conflict');
        expect(res.body.error.message).toMatch(/last active admin/);
      }
      const list = await request('GET', '/api/v1/users');
      expect(list.status).toBe(200);
      expect(list.body.users[0]).toMatchObject({ username: 'admin', role: 'admin', disabled: false, displayName: 'Quản trị viên' });
      expect(await canLogin('admin', TEST_ADMIN_PASSWORD)).toBe(true);
    });

    it('may still change their own name and password', async () => {
      const id = await adminId();
      expect((await request('PATCH', `/api/v1/users/${id}`, { displayName: 'Chủ tịch xã', role: 'admin' })).status).toBe(200);
      expect((await request('PATCH', `/api/v1/users/${id}`, { password: 'a-new-admin-password' })).status).toBe(200);
      expect(await canLogin('admin', 'a-new-admin-password')).toBe(true);
    });

    it('can be demoted once another active admin exists', async () => {
      const second = await createUser('admin-2', 'admin');
      const id = await adminId();
      const res = await request('PATCH', `/api/v1/users/${id}`, { role: 'viewer' });
      expect(res.status).toBe(200);
      expect(res.body.role).toBe('viewer');
      // and now admin-2 is the last one
      const token2 = await test.login('admin-2', 'pw-of-admin-2');
      expect((await request('DELETE', `/api/v1/users/${second.id}`, undefined, token2)).status).toBe(409);
    });

    it('does not count a disabled admin as another active admin', async () => {
      const second = await createUser('admin-3', 'admin');
      expect((await request('PATCH', `/api/v1/users/${second.id}`, { disabled: true })).status).toBe(200);
      const id = await adminId();
      expect((await request('PATCH', `/api/v1/users/${id}`, { role: 'operator' })).status).toBe(409);
      expect((await request('DELETE', `/api/v1/users/${id}`)).status).toBe(409);
    });

    it('survives two admins demoting each other at the same moment', async () => {
      const second = await createUser('admin-4', 'admin');
      const token2 = await test.login('admin-4', 'pw-of-admin-4');
      const first = await adminId();
      // each request also resets a password, as the console's "edit user" form does
      const [a, b] = await Promise.all([
        request('PATCH', `/api/v1/users/${first}`, { role: 'viewer', password: 'new-password-a' }),
        request('PATCH', `/api/v1/users/${second.id}`, { role: 'viewer', password: 'new-password-b' }, token2),
      ]);
      // UserStore.update checks for another active admin before awaiting the password hash and
      // writes after it, so both checks can pass before either write: no admin would be left
      const activeAdmins = await test.cloud.query.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled', '=', 0)
        .executeTakeFirstOrThrow();
      expect(activeAdmins.n).toBe(1);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
    });
  });
});
