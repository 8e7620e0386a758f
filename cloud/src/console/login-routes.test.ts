import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';
import { safeNext } from './login-routes.js';

const SITE = 'http://127.0.0.1:8080/login';

/** Hostile `next` values seen in the audit, and the ways browsers read a path as another host. */
const OFF_SITE = ['/\t/evil.example/phish', '/\\evil.example/phish', '//evil.example/x', '/\r\n/evil.example', 'https://evil.example/', '/\n\nSet-Cookie: x=y', 'javascript:alert(1)', '/\u0000x'];

describe('safeNext', () => {
  it('keeps a path of this site with its query and fragment', () => {
    expect(safeNext('/radio/bulletins?hamlet=ap-1#new', SITE)).toBe('/radio/bulletins?hamlet=ap-1#new');
    expect(safeNext('/a/../police', SITE)).toBe('/police');
  });

  it('gives the home page for anything that leaves the site or holds a control character', () => {
    for (const next of [...OFF_SITE, undefined, 42, '']) expect(safeNext(next, SITE), JSON.stringify(next)).toBe('/');
  });
});

describe('login page: where it sends the person afterwards', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  const get = (path: string, cookie?: string) => test.cloud.app.request(path, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  it('does not redirect a logged-in person off-site, and answers CR LF with a redirect home, not a 500', async () => {
    const cookie = `sc_session=${test.adminToken}`;
    for (const next of ['/%09/evil.example/phish', '/%5Cevil.example', '/%0d%0aSet-Cookie:%20x=y', '/%0a/evil.example']) {
      const res = await get(`/login?next=${next}`, cookie);
      expect(res.status, next).toBe(303);
      expect(res.headers.get('location'), next).toBe('/');
    }
    expect((await get('/login?next=%2Fpolice%3Ftab%3Dreports', cookie)).headers.get('location')).toBe('/police?tab=reports');
  });

  it('puts only a safe next into the form, and the form post goes there after login', async () => {
    const page = await get('/login?next=/%09/evil.example/phish');
    const html = await page.text();
    expect(/name="next" value="([^"]*)"/.exec(html)![1]).toBe('/');

    for (const [next, expected] of [
      ['/\t/evil.example/phish', '/'],
      ['/\r\n/evil.example', '/'],
      ['/fleet?x=1', '/fleet?x=1'],
    ] as const) {
      const form = await get('/login');
      const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const loginCookie = form.headers.getSetCookie().find((c) => c.startsWith('sc_login='))!.split(';')[0]!;
      const res = await test.cloud.app.request('/login', {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, username: 'admin', password: TEST_ADMIN_PASSWORD, next }).toString(),
      });
      expect(res.status, JSON.stringify(next)).toBe(303);
      expect(res.headers.get('location'), JSON.stringify(next)).toBe(expected);
    }
  });
});

describe('session cookie behind a TLS proxy', () => {
  let test: TestCloud;
  beforeAll(async () => {
    // the proxy speaks https to browsers and plain http to the cloud, as the operations guide sets it up
    test = await startTestCloud({ SC_PUBLIC_URL: 'https://xa-vitan.example' });
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('sets Secure on the login and session cookies, and on clearing them, when SC_PUBLIC_URL is https', async () => {
    const form = await test.cloud.app.request('/login');
    const loginCookie = form.headers.getSetCookie().find((c) => c.startsWith('sc_login='))!;
    expect(loginCookie).toMatch(/; Secure/);
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await test.cloud.app.request('/login', {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: loginCookie.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, username: 'admin', password: TEST_ADMIN_PASSWORD, next: '/' }).toString(),
    });
    expect(res.status).toBe(303);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('sc_session='))!;
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/HttpOnly/);

    const logout = await test.cloud.app.request('/logout', { method: 'POST', redirect: 'manual' });
    expect(logout.headers.getSetCookie().find((c) => c.startsWith('sc_session='))).toMatch(/; Secure/);
  });
});
