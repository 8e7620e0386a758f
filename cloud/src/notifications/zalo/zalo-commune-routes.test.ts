import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../../test-support/cloud.js';
import { UserStore } from '../../users/user-store.js';
import { ZaloStandin, type StandinOa } from './testing/zalo-standin.js';
import { insertCommune } from '../../../../test-support/places.js';

/** Issue 10: each commune's admin connects their commune's OA; a province admin any commune's and the province's own. */
describe("a commune's Zalo OA through the API and the console", () => {
  let test: TestCloud;
  let standin: ZaloStandin;
  let tanOa: StandinOa;
  let thuyOa: StandinOa;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    standin = await new ZaloStandin().start();
    tanOa = standin.addOa({ appId: '1000000000000011', appSecret: 'vi-tan-app-secret', oaSecretKey: 'vi-tan-oa-secret-key', oaId: '9000000000000011' });
    thuyOa = standin.addOa({ appId: '1000000000000022', appSecret: 'vi-thuy-app-secret', oaSecretKey: 'vi-thuy-oa-secret-key', oaId: '9000000000000022' });
    test = await startTestCloud({ SC_ZALO_API_URL: standin.url, SC_ZALO_OAUTH_URL: standin.url });
    await insertCommune(test.cloud.query, { code: 'vi-thuy', name: 'Xã Vị Thủy', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang', createdAt: 1 }, [{ code: 'vt-1', name: 'Ấp Vị Thủy 1', position: 100 }]);
    const users = new UserStore(test.cloud.query);
    for (const [username, communeCode] of [['admin-tan', 'vi-tan'], ['admin-thuy', 'vi-thuy']] as const) {
      await users.create({ username, role: 'admin', communeCode, password: `password-of-${username}`, mustChangePassword: false });
      tokens[username] = await test.login(username, `password-of-${username}`);
    }
  });
  afterAll(async () => {
    await test.stop();
    await standin.close();
  });

  it("a commune's admin connects their commune's OA (audited as the commune's); the province's own stays as it was", async () => {
    const own = await test.api('GET', '/api/v1/zalo/connection', undefined, tokens['admin-tan']);
    expect(own.body).toMatchObject({ communeCode: 'vi-tan', state: 'not_connected' });
    const connected = await test.api('PUT', '/api/v1/zalo/connection', tanOa.connectInput(), tokens['admin-tan']);
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ communeCode: 'vi-tan', state: 'connected', oaId: tanOa.oaId });
    const entry = (await test.cloud.audit.page({ action: 'zalo.connect' }, 10, 0)).items[0]!;
    expect(entry).toMatchObject({ actor: expect.stringContaining('admin-tan'), communeCode: 'vi-tan' });
    // the province admin's own (no ?commune=) is the province's, not connected
    expect((await test.api('GET', '/api/v1/zalo/connection')).body).toMatchObject({ communeCode: null, state: 'not_connected' });
    expect((await test.api('GET', '/api/v1/zalo/connection?commune=vi-tan')).body).toMatchObject({ communeCode: 'vi-tan', state: 'connected' });
  });

  it("another commune's OA answers 404 to a commune's admin, exactly like a commune that does not exist", async () => {
    const other = await test.api('GET', '/api/v1/zalo/connection?commune=vi-tan', undefined, tokens['admin-thuy']);
    const none = await test.api('GET', '/api/v1/zalo/connection?commune=khong-co', undefined, tokens['admin-thuy']);
    expect(other.status).toBe(404);
    expect(none.status).toBe(404);
    expect(other.body.error.code).toBe(none.body.error.code);
    expect(other.body.error.message.replace('vi-tan', 'X')).toBe(none.body.error.message.replace('khong-co', 'X'));
    expect(JSON.stringify(other.body)).not.toContain(tanOa.oaId);

    const put = await test.api('PUT', '/api/v1/zalo/connection?commune=vi-tan', thuyOa.connectInput(), tokens['admin-thuy']);
    expect(put.status).toBe(404);
    expect((await test.api('GET', '/api/v1/zalo/connection?commune=vi-tan')).body.oaId).toBe(tanOa.oaId); // unchanged
    // a province admin naming a commune that does not exist: 404 too
    expect((await test.api('GET', '/api/v1/zalo/connection?commune=khong-co')).status).toBe(404);

    const list = await test.api('GET', '/api/v1/zalo/connections', undefined, tokens['admin-thuy']);
    expect(list.body.items.map((i: { communeCode: string | null }) => i.communeCode)).toEqual(['vi-thuy']);
  });

  it("a province admin connects any commune's OA and lists every OA, the province's own first", async () => {
    const res = await test.api('PUT', '/api/v1/zalo/connection?commune=vi-thuy', thuyOa.connectInput());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ communeCode: 'vi-thuy', state: 'connected' });
    expect((await test.cloud.audit.page({ action: 'zalo.connect', communeCode: 'vi-thuy' }, 10, 0)).total).toBe(1);
    const list = await test.api('GET', '/api/v1/zalo/connections');
    expect(list.body.items.map((i: { communeCode: string | null; state: string }) => `${i.communeCode} ${i.state}`)).toEqual(['null not_connected', 'vi-tan connected', 'vi-thuy connected']);
    // the commune's admin sees it as theirs
    expect((await test.api('GET', '/api/v1/zalo/connection', undefined, tokens['admin-thuy'])).body).toMatchObject({ communeCode: 'vi-thuy', oaId: thuyOa.oaId });
    // each commune's notices page shows the QR code of its own OA
    const page = async (commune: string) => (await test.cloud.app.request(`/xa/${commune}/thong-bao`)).text();
    const thuyPage = await page('vi-thuy');
    expect(thuyPage).toContain(`href="https://zalo.me/${thuyOa.oaId}"`);
    expect(thuyPage).not.toContain(tanOa.oaId);
    expect(await page('vi-tan')).toContain(`href="https://zalo.me/${tanOa.oaId}"`);
  });

  it("the console page: a commune's admin has their commune's, another commune's is not found; a province admin has the list", async () => {
    const session = async (username: string, password: string) => {
      const jar = new Map<string, string>();
      const send = async (method: string, path: string, form?: Record<string, string>) => {
        const headers: Record<string, string> = {};
        if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
        const res = await test.cloud.app.request(path, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: 'manual' });
        for (const cookie of res.headers.getSetCookie()) {
          const [name, value] = cookie.split(';')[0]!.split('=');
          jar.set(name!, value!);
        }
        return { status: res.status, text: await res.text(), location: res.headers.get('location') };
      };
      await send('POST', '/login', { _csrf: csrfOf((await send('GET', '/login')).text), username, password, next: '/' });
      return send;
    };
    const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

    const thuy = await session('admin-thuy', 'password-of-admin-thuy');
    const own = await thuy('GET', '/admin/zalo');
    expect(own.status).toBe(200);
    expect(own.text).toContain('Official Account Zalo: Xã Vị Thủy');
    expect(own.text).toContain('Trạng thái: Đã kết nối');
    expect(own.text).not.toContain('OA của tỉnh và từng xã'); // no list of the others
    expect((await thuy('GET', '/admin/zalo?commune=vi-tan')).status).toBe(404);
    const form = { _csrf: csrfOf(own.text), ...tanOa.connectInput() };
    expect((await thuy('POST', '/admin/zalo?commune=vi-tan', form)).status).toBe(404);
    // reconnecting their own from the page
    const ok = await thuy('POST', '/admin/zalo', { _csrf: csrfOf(own.text), ...thuyOa.connectInput() });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe('/admin/zalo?done=1');

    await test.cloud.zalo.followers.subscribe('vi-thuy', '7001', 'vt-1');
    await test.cloud.zalo.followers.subscribe('vi-tan', '7002', 'ap-2a');
    const province = await session('admin', TEST_ADMIN_PASSWORD);
    const page = await province('GET', '/admin/zalo');
    expect(page.text).toContain('Official Account Zalo của tỉnh');
    expect(page.text).toContain('OA của tỉnh và từng xã');
    expect(page.text).toContain('href="/admin/zalo?commune=vi-thuy"');
    const theirs = await province('GET', '/admin/zalo?commune=vi-thuy');
    expect(theirs.text).toContain('Official Account Zalo: Xã Vị Thủy');
    expect(theirs.text).toContain('action="/admin/zalo?commune=vi-thuy"');
    expect(theirs.text).toContain('Ấp Vị Thủy 1: 1');
    expect(theirs.text).not.toContain('Ấp 2A'); // another OA's followers are not counted here
    expect((await province('GET', '/admin/zalo?commune=vi-tan')).text).toContain('Ấp 2A: 1');
  });
});
