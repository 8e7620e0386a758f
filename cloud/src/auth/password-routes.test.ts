import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type Reply, type TestCloud } from '../../../test-support/cloud.js';

describe('passwords: weak ones refused, changed by their owner, forced after an admin set them', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const request = (method: string, path: string, body?: unknown, token: string | null = test.adminToken): Promise<Reply> => test.request(method, path, body, token);
  const login = (username: string, password: string) => request('POST', '/api/v1/auth/token', { username, password }, null);
  const change = (token: string, currentPassword: string, newPassword: string) => request('POST', '/api/v1/auth/password', { currentPassword, newPassword }, token);

  it.each([
    ['12345678', 'common'],
    ['password', 'common'],
    ['aaaaaaaa', 'repeated'],
    ['zzzzzzzz', 'repeated'],
    ['abcdefgh', 'sequence'],
    ['radio-ap2', 'username'],
  ])('refuses %s when an admin creates an account or resets a password (%s), in Vietnamese and English', async (password, reason) => {
    const created = await request('POST', '/api/v1/users', { username: 'radio-ap2', role: 'operator', password });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('weak_password');
    expect(created.body.error.details).toEqual([{ path: 'password', reason, message: expect.any(String) }]);
    expect(created.body.error.message).toMatch(/Mật khẩu .* \/ .*password/);
    expect((await request('GET', '/api/v1/users')).body.users).toHaveLength(1);

    const user = (await request('POST', '/api/v1/users', { username: 'radio-ap2', role: 'operator', password: 'mat-khau-dai-du' })).body;
    const reset = await request('PATCH', `/api/v1/users/${user.id}`, { password });
    expect(reset.status).toBe(400);
    expect(reset.body.error.details[0].reason).toBe(reason);
    expect((await login('radio-ap2', 'mat-khau-dai-du')).status).toBe(200);
  });

  it('makes a person change the password an admin gave them before anything else; the change ends their other sessions', async () => {
    const created = await request('POST', '/api/v1/users', { username: 'police-1', role: 'police', password: 'cap-boi-admin' });
    expect(created.status).toBe(201);
    expect(created.body.mustChangePassword).toBe(true);

    const first = await login('police-1', 'cap-boi-admin');
    expect(first.status).toBe(200);
    expect(first.body.mustChangePassword).toBe(true);
    expect(first.body.user.mustChangePassword).toBe(true);
    const token = first.body.token as string;
    const other = (await login('police-1', 'cap-boi-admin')).body.token as string;
    const loggedOut = (await login('police-1', 'cap-boi-admin')).body.token as string;

    for (const [method, path] of [['GET', '/api/v1/hamlets'], ['GET', '/api/v1/incidents'], ['POST', '/api/v1/edges']] as const) {
      const res = await request(method, path, method === 'POST' ? { name: 'x', hamletCode: 'ap-1' } : undefined, token);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('password_change_required');
    }
    // logging out stays possible
    expect((await request('DELETE', '/api/v1/auth/token', undefined, loggedOut)).status).toBe(204);

    const wrong = await change(token, 'not-the-password', 'cua-rieng-toi-2026');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('current_password_wrong');
    const same = await change(token, 'cap-boi-admin', 'cap-boi-admin');
    expect(same.status).toBe(400);
    expect(same.body.error.code).toBe('same_password');
    const weak = await change(token, 'cap-boi-admin', 'iloveyou');
    expect(weak.status).toBe(400);
    expect(weak.body.error).toMatchObject({ code: 'weak_password', details: [{ path: 'newPassword', reason: 'common' }] });
    const short = await change(token, 'cap-boi-admin', 'short');
    expect(short.status).toBe(400);
    expect(short.body.error.details[0].path).toBe('newPassword');

    expect((await change(token, 'cap-boi-admin', 'cua-rieng-toi-2026')).status).toBe(204);
    // this session goes on, unrestricted; the other one has ended
    expect((await request('GET', '/api/v1/hamlets', undefined, token)).status).toBe(200);
    expect((await request('GET', '/api/v1/hamlets', undefined, other)).status).toBe(401);
    expect((await login('police-1', 'cap-boi-admin')).status).toBe(401);
    const again = await login('police-1', 'cua-rieng-toi-2026');
    expect(again.body.mustChangePassword).toBe(false);

    const audit = (await request('GET', '/api/v1/audit?target=user:police-1&action=auth.password_change')).body.items;
    expect(audit).toEqual([expect.objectContaining({ actor: 'police-1', details: { via: 'api', wasRequired: true, endedSessions: 1 } })]);
    expect((await request('GET', '/api/v1/audit?action=auth.password_change_failed')).body.total).toBe(1);
  });

  it('forces a change again after an admin resets the password, but not when admins set their own', async () => {
    const user = (await request('POST', '/api/v1/users', { username: 'operator-1', role: 'operator', password: 'tam-thoi-123', mustChangePassword: false })).body;
    expect(user.mustChangePassword).toBe(false);
    const token = (await login('operator-1', 'tam-thoi-123')).body.token as string;
    expect((await request('GET', '/api/v1/hamlets', undefined, token)).status).toBe(200);

    const reset = await request('PATCH', `/api/v1/users/${user.id}`, { password: 'dat-lai-boi-admin' });
    expect(reset.body.mustChangePassword).toBe(true);
    const fresh = await login('operator-1', 'dat-lai-boi-admin');
    expect(fresh.body.mustChangePassword).toBe(true);
    expect((await request('GET', '/api/v1/hamlets', undefined, fresh.body.token)).body.error.code).toBe('password_change_required');

    const adminId = (await request('GET', '/api/v1/users')).body.users.find((u: { username: string }) => u.username === 'admin').id;
    expect((await request('PATCH', `/api/v1/users/${adminId}`, { password: 'quan-tri-moi-2026' })).body.mustChangePassword).toBe(false);
    expect((await login('admin', 'quan-tri-moi-2026')).body.mustChangePassword).toBe(false);
  });

  it('lets anyone change their own password, keeping the session they change it from', async () => {
    const me = await login('admin', TEST_ADMIN_PASSWORD);
    expect(me.body.mustChangePassword).toBe(false);
    expect((await change(me.body.token, TEST_ADMIN_PASSWORD, 'mat-khau-cua-admin')).status).toBe(204);
    expect((await request('GET', '/api/v1/users', undefined, me.body.token)).status).toBe(200);
    // the harness's own admin token was another session: it has ended
    expect((await request('GET', '/api/v1/users')).status).toBe(401);
    expect((await login('admin', 'mat-khau-cua-admin')).status).toBe(200);
  });

  it('counts wrong current passwords like wrong logins: the address is slowed, and nobody logged out changes anything', async () => {
    const token = (await login('admin', TEST_ADMIN_PASSWORD)).body.token as string;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await change(token, `guess-${i}`, 'mat-khau-moi-2026')).status);
    expect(answers).toEqual([403, 403, 403, 403, 429, 429]);
    expect((await change(token, TEST_ADMIN_PASSWORD, 'mat-khau-moi-2026')).status).toBe(429);
    expect((await request('POST', '/api/v1/auth/password', { currentPassword: TEST_ADMIN_PASSWORD, newPassword: 'mat-khau-moi-2026' }, null)).status).toBe(401);
  });
});
