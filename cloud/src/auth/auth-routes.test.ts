import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type Reply, type TestCloud } from '../../../test-support/cloud.js';

describe('POST /api/v1/auth/token and bearer sessions', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await test.stop();
  });

  const request = async (method: string, path: string, options: { token?: string | null; body?: unknown; authorization?: string } = {}): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = options.token === undefined ? test.adminToken : options.token;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await test.cloud.app.request(path, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const login = (username: string, password: string) => request('POST', '/api/v1/auth/token', { token: null, body: { username, password } });

  const createUser = async (username: string, role: string, password = 'password-of-' + username) => {
    const res = await request('POST', '/api/v1/users', { body: { username, role, password, mustChangePassword: false } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, username, password };
  };

  it('exchanges a correct username and password for a token that works as Bearer', async () => {
    const before = Date.now();
    const res = await login('admin', TEST_ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.user).toMatchObject({ username: 'admin', role: 'admin', disabled: false });
    // 12 h by default
    expect(res.body.expiresAt).toBeGreaterThanOrEqual(before + 12 * 3600_000);
    expect(res.body.expiresAt).toBeLessThanOrEqual(Date.now() + 12 * 3600_000);

    const users = await request('GET', '/api/v1/users', { token: res.body.token });
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: { username: string }) => u.username)).toContain('admin');
  });

  it('never returns a password hash', async () => {
    const res = await login('admin', TEST_ADMIN_PASSWORD);
    const text = JSON.stringify(res.body);
    // mustChangePassword is the only key that speaks of passwords
    expect(text.replace(/"mustChangePassword":(true|false)/g, '')).not.toMatch(/scrypt|password/i);
  });

  it('gives every login its own token', async () => {
    const a = await login('admin', TEST_ADMIN_PASSWORD);
    const b = await login('admin', TEST_ADMIN_PASSWORD);
    expect(a.body.token).not.toBe(b.body.token);
    expect((await request('GET', '/api/v1/hamlets', { token: a.body.token })).status).toBe(200);
    expect((await request('GET', '/api/v1/hamlets', { token: b.body.token })).status).toBe(200);
  });

  it('refuses a wrong password with 401 invalid_credentials', async () => {
    const res = await login('admin', 'not-the-password');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect(res.body).not.toHaveProperty('token');
  });

  it('answers an unknown username exactly like a wrong password', async () => {
    const wrongPassword = await login('admin', 'not-the-password');
    const unknownUser = await login('nobody-here', 'not-the-password');
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.body).toEqual(wrongPassword.body);
  });

  it('refuses an incomplete login body with 400 naming the missing fields', async () => {
    const res = await request('POST', '/api/v1/auth/token', { token: null, body: { username: '' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['password', 'username']);
  });

  it('refuses a disabled user at login and ends the sessions they already had', async () => {
    const viewer = await createUser('viewer1', 'viewer');
    const session = (await login(viewer.username, viewer.password)).body.token as string;
    expect((await request('GET', '/api/v1/edges', { token: session })).status).toBe(200);

    expect((await request('PATCH', `/api/v1/users/${viewer.id}`, { body: { disabled: true } })).status).toBe(200);

    const stale = await request('GET', '/api/v1/edges', { token: session });
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('unauthorized');
    const again = await login(viewer.username, viewer.password);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('invalid_credentials');
  });

  it('lets a re-enabled user log in again, but does not revive the ended sessions', async () => {
    const viewer = await createUser('viewer2', 'viewer');
    const session = (await login(viewer.username, viewer.password)).body.token as string;
    await request('PATCH', `/api/v1/users/${viewer.id}`, { body: { disabled: true } });
    await request('PATCH', `/api/v1/users/${viewer.id}`, { body: { disabled: false } });
    expect((await request('GET', '/api/v1/edges', { token: session })).status).toBe(401);
    const fresh = await login(viewer.username, viewer.password);
    expect(fresh.status).toBe(200);
    expect((await request('GET', '/api/v1/edges', { token: fresh.body.token })).status).toBe(200);
  });

  it('ends the sessions of a deleted user with 401', async () => {
    const viewer = await createUser('viewer3', 'viewer');
    const session = (await login(viewer.username, viewer.password)).body.token as string;
    expect((await request('DELETE', `/api/v1/users/${viewer.id}`)).status).toBe(204);
    const res = await request('GET', '/api/v1/edges', { token: session });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('refuses an expired session', async () => {
    const session = (await login('admin', TEST_ADMIN_PASSWORD)).body;
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 12 * 3600_000 + 1000);
    expect(Date.now()).toBeGreaterThan(session.expiresAt);
    const res = await request('GET', '/api/v1/hamlets', { token: session.token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it.each([
    ['no Authorization header', null],
    ['an unknown token', 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['Bearer without a token', 'Bearer '],
    ['two words after Bearer', 'Bearer abc def'],
    ['another scheme', 'Token abc'],
    ['Basic credentials of a person', `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`],
  ])('answers %s with 401 unauthorized', async (_case, authorization) => {
    for (const [method, path] of [
      ['GET', '/api/v1/edges'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/edges'],
      ['GET', '/api/v1/hamlets'],
    ]) {
      const res = await request(method!, path!, authorization === null ? { token: null } : { authorization });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('logs out with DELETE /api/v1/auth/token: that token stops working, other sessions do not', async () => {
    const first = (await login('admin', TEST_ADMIN_PASSWORD)).body.token as string;
    const second = (await login('admin', TEST_ADMIN_PASSWORD)).body.token as string;
    const res = await test.cloud.app.request('/api/v1/auth/token', { method: 'DELETE', headers: { authorization: `Bearer ${first}` } });
    expect(res.status).toBe(204);
    expect((await request('GET', '/api/v1/hamlets', { token: first })).status).toBe(401);
    expect((await request('GET', '/api/v1/hamlets', { token: second })).status).toBe(200);
    const again = await request('DELETE', '/api/v1/auth/token', { token: first });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('unauthorized');
  });

  it('accepts the scheme name in any case', async () => {
    const res = await request('GET', '/api/v1/users', { authorization: `bearer ${test.adminToken}` });
    expect(res.status).toBe(200);
  });
});
