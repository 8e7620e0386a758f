import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';
import { csrfTokenFor } from '../auth/session-cookie.js';

/** A browser-like client over app.request(): keeps cookies, posts forms. */
function client(test: TestCloud) {
  const jar = new Map<string, string>();
  const send = async (method: string, path: string, init: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await test.cloud.app.request(path, { method, headers, body, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value] = pair!.split('=');
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name!);
      else jar.set(name!, value!);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const loginForm = async () => {
    const page = await send('GET', '/login');
    return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  };
  return {
    jar,
    send,
    async login(username: string, password: string) {
      const token = await loginForm();
      return send('POST', '/login', { form: { _csrf: token, username, password, next: '/' } });
    },
    loginForm,
  };
}

describe('console: cookie sessions, CSRF, lockout, headers, roles', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
    for (const [username, role] of [['operator-1', 'operator'], ['police-1', 'police'], ['locked-1', 'operator']]) {
      expect((await test.request('POST', '/api/v1/users', { username, role, password: `password-${username}`, mustChangePassword: false })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await test.stop();
  });

  it('logs in with the form: an httpOnly SameSite=Strict cookie, then the home page greets the person', async () => {
    const browser = client(test);
    const res = await browser.login('operator-1', 'password-operator-1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sc_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/); // plain http in tests; Secure is set over https
    const home = await browser.send('GET', '/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Xin chào, operator-1');
    expect(home.text).toContain('Cán bộ truyền thanh');
  });

  it('lets the cookie call the JSON API: reads freely, changes only with the CSRF header', async () => {
    const browser = client(test);
    await browser.login('admin', TEST_ADMIN_PASSWORD);
    expect((await browser.send('GET', '/api/v1/hamlets')).status).toBe(200);
    const forged = await browser.send('POST', '/api/v1/users', { json: { username: 'made-by-csrf', role: 'admin', password: 'whatever-123' } });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text).error.code).toBe('csrf_token_invalid');
    const wrong = await browser.send('POST', '/api/v1/users', { json: { username: 'made-by-csrf', role: 'admin', password: 'whatever-123' }, headers: { 'x-csrf-token': csrfTokenFor('another-session') } });
    expect(wrong.status).toBe(403);
    const csrf = csrfTokenFor(browser.jar.get('sc_session')!);
    const made = await browser.send('POST', '/api/v1/users', { json: { username: 'made-with-token', role: 'viewer', password: 'whatever-123' }, headers: { 'x-csrf-token': csrf } });
    expect(made.status).toBe(201);
    const users = (await test.request('GET', '/api/v1/users')).body.users.map((u: { username: string }) => u.username);
    expect(users).toContain('made-with-token');
    expect(users).not.toContain('made-by-csrf');
  });

  it('keeps bearer clients working without any CSRF token', async () => {
    const res = await test.request('POST', '/api/v1/users', { username: 'bearer-made', role: 'viewer', password: 'whatever-123' });
    expect(res.status).toBe(201);
  });

  it('refuses a login form without its token, and a logout form without the session token', async () => {
    const browser = client(test);
    await browser.loginForm();
    const noToken = await browser.send('POST', '/login', { form: { username: 'operator-1', password: 'password-operator-1' } });
    expect(noToken.status).toBe(403);
    expect(browser.jar.has('sc_session')).toBe(false);

    await browser.login('operator-1', 'password-operator-1');
    const forgedLogout = await browser.send('POST', '/logout', { form: {} });
    expect(forgedLogout.status).toBe(403);
    expect((await browser.send('GET', '/api/v1/hamlets')).status).toBe(200);
    const logout = await browser.send('POST', '/logout', { form: { _csrf: csrfTokenFor(browser.jar.get('sc_session')!) } });
    expect(logout.status).toBe(303);
    expect((await browser.send('GET', '/api/v1/hamlets')).status).toBe(401);
  });

  it('locks an account for this device after five wrong passwords, saying in Vietnamese how long to wait, even for the right password', async () => {
    const browser = client(test);
    for (let i = 0; i < 4; i++) {
      const wrong = await browser.login('locked-1', 'not-it');
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('Tên đăng nhập hoặc mật khẩu không đúng');
    }
    const fifth = await browser.login('locked-1', 'not-it');
    expect(fifth.status).toBe(429);
    expect(fifth.text).toContain('Tài khoản tạm thời bị khoá trên máy này do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau 5 phút.');
    expect(Number(fifth.headers.get('retry-after'))).toBe(300);
    const right = await browser.login('locked-1', 'password-locked-1');
    expect(right.status).toBe(429);
    const api = await test.request('POST', '/api/v1/auth/token', { username: 'locked-1', password: 'password-locked-1' }, null);
    expect(api.status).toBe(429);
    expect(api.body.error.code).toBe('account_locked');
    expect(browser.jar.has('sc_session')).toBe(false);
    // another account from the same client is not affected
    expect((await browser.login('operator-1', 'password-operator-1')).status).toBe(303);
  });

  it('slows a client that keeps failing, on the API too, whichever names it tries', async () => {
    const own = await startTestCloud();
    try {
      for (let i = 0; i <= 20; i++) expect((await own.request('POST', '/api/v1/auth/token', { username: `guess-${i}`, password: 'x' }, null)).status).toBe(401);
      const blocked = await own.request('POST', '/api/v1/auth/token', { username: 'admin', password: TEST_ADMIN_PASSWORD }, null);
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.code).toBe('too_many_logins');
      const audit = await own.api('GET', '/api/v1/audit?action=auth.login_refused');
      expect(audit.body.items[0]).toMatchObject({ actor: 'public', target: 'user:admin', details: { reason: 'client_rate' } });
    } finally {
      await own.stop();
    }
  });

  it('puts the security headers on pages, assets and the API', async () => {
    for (const path of ['/login', '/assets/console/console.css', '/api/v1/openapi.json']) {
      const res = await test.cloud.app.request(path);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("media-src 'self' blob:");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
  });

  it('serves pages with no inline script and only local assets', async () => {
    const page = await test.cloud.app.request('/login');
    const text = await page.text();
    const scripts = [...text.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    for (const attrs of scripts) expect(attrs).toMatch(/src="\/assets\/console\/[a-z-]+\.js"|type="application\/json"/);
    expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = await test.cloud.app.request('/assets/console/console.js');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    const etag = js.headers.get('etag')!;
    expect((await test.cloud.app.request('/assets/console/console.js', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await test.cloud.app.request('/assets/console/..%2Fconsole.ts')).status).toBe(404);
  });

  it('speaks Vietnamese by default and English when asked, remembered by a cookie', async () => {
    const browser = client(test);
    expect((await browser.send('GET', '/login')).text).toContain('<html lang="vi">');
    const english = await browser.send('GET', '/login?lang=en');
    expect(english.text).toContain('<html lang="en">');
    expect(english.text).toContain('Log in');
    expect((await browser.send('GET', '/login')).text).toContain('<html lang="en">');
  });

  it('sends a visitor to the login page, keeping where they wanted to go, and only to this site after login', async () => {
    const browser = client(test);
    const token = await browser.loginForm();
    const res = await browser.send('POST', '/login', { form: { _csrf: token, username: 'operator-1', password: 'password-operator-1', next: '//evil.example/x' } });
    expect(res.headers.get('location')).toBe('/');
  });
});
