import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { SESSION_COOKIE } from '../../auth/session-cookie.js';

/** The communes pages are the province admin's; the users page shows and offers communes by who is asking. */
describe('communes console pages', () => {
  let test: TestCloud;
  let communeAdmin: string;
  beforeAll(async () => {
    test = await startTestCloud();
    expect((await test.request('POST', '/api/v1/communes', { code: 'xa-b', name: 'Xã Bình Thành', province: 'Tỉnh Thử', hamlets: [{ code: 'b-1', name: 'Ấp Bình Hòa' }] })).status).toBe(201);
    await test.request('POST', '/api/v1/users', { username: 'b-admin', role: 'admin', communeCode: 'xa-b', password: 'password-b-admin', mustChangePassword: false });
    await test.request('POST', '/api/v1/users', { username: 'a-police', role: 'police', communeCode: 'vi-tan', password: 'password-a-police', mustChangePassword: false });
    communeAdmin = await test.login('b-admin', 'password-b-admin');
  });
  afterAll(async () => {
    await test.stop();
  });

  const open = async (path: string, token = test.adminToken) => {
    const res = await test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    return { status: res.status, text: await res.text() };
  };
  const menu = (text: string) => /<nav class="menu"[^>]*>([\s\S]*?)<\/nav>/.exec(text)?.[1] ?? '';

  it('lists the communes with their counts for the province admin, and opens one with its hamlets', async () => {
    const list = await open('/admin/communes');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Xã Bình Thành');
    expect(list.text).toContain('Xã Vị Tân');
    expect(list.text).toContain('id="communes-import"');
    expect(menu(list.text)).toContain('href="/admin/communes"');
    const one = await open('/admin/communes/xa-b');
    expect(one.status).toBe(200);
    expect(one.text).toContain('Ấp Bình Hòa');
    expect(one.text).toContain('data-path="/api/v1/communes/xa-b/hamlets/b-1"');
    expect((await open('/admin/communes/xa-none')).status).toBe(404);
  });

  it("refuses a commune's admin and leaves the page out of their menu", async () => {
    const refused = await open('/admin/communes', communeAdmin);
    expect(refused.status).toBe(403);
    expect(menu((await open('/', communeAdmin)).text)).not.toContain('/admin/communes');
    expect(menu((await open('/', communeAdmin)).text)).toContain('/admin/users');
  });

  it("shows a commune's admin only their people, without a choice of commune; the province admin every one, with the choice", async () => {
    const theirs = await open('/admin/users', communeAdmin);
    expect(theirs.status).toBe(200);
    expect(theirs.text).toContain('b-admin');
    expect(theirs.text).not.toContain('a-police');
    expect(theirs.text).not.toContain('name="communeCode"');
    const all = await open('/admin/users');
    expect(all.text).toContain('a-police');
    expect(all.text).toContain('<select id="new-commune" name="communeCode">');
    expect(all.text).toContain('Cấp tỉnh (mọi xã)');
    // the audit page's list of people follows the same scope
    expect((await open('/admin/audit', communeAdmin)).text).not.toContain('a-police');
  });
});
