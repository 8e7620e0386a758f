import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../../test-support/cloud.js';
import { ZaloStandin } from './testing/zalo-standin.js';

describe('connecting the Zalo OA through the API', () => {
  let test: TestCloud;
  let standin: ZaloStandin;

  beforeAll(async () => {
    standin = await new ZaloStandin().start();
    test = await startTestCloud({ SC_ZALO_API_URL: standin.url, SC_ZALO_OAUTH_URL: standin.url });
  });
  afterAll(async () => {
    await test.stop();
    await standin.close();
  });

  it('is not connected at first; an admin connects with a refresh token (spent and replaced), the state never shows a token', async () => {
    expect((await test.api('GET', '/api/v1/zalo/connection')).body.state).toBe('not_connected');
    const refreshToken = standin.issueRefreshToken();
    const res = await test.api('PUT', '/api/v1/zalo/connection', { appId: standin.appId, appSecret: standin.appSecret, oaId: standin.oaId, webhookSecret: standin.oaSecretKey, refreshToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'connected', appId: standin.appId, oaId: standin.oaId, webhookSecretSet: true });
    expect(JSON.stringify(res.body)).not.toContain('rt_');
    expect(res.body.accessExpiresAt).toBeGreaterThan(Date.now() + 24 * 3600_000);
    expect((await test.cloud.audit.page({ action: 'zalo.connect' }, 10, 0)).total).toBe(1);
    // sealed at rest: no token or secret in clear in the database
    const row = await test.cloud.query.db.selectFrom('zalo_oa').select(['app_secret', 'access_token', 'refresh_token', 'webhook_secret']).executeTakeFirstOrThrow();
    for (const value of Object.values(row)) expect(value).toMatch(/^enc:v1:/);

    // the same refresh token a second time is spent: Zalo refuses, the connection stays as it was
    const again = await test.api('PUT', '/api/v1/zalo/connection', { appId: standin.appId, appSecret: standin.appSecret, refreshToken });
    expect(again.status).toBe(502);
    expect(again.body.error.message).toContain('Zalo refused the refresh token');
    expect((await test.api('GET', '/api/v1/zalo/connection')).body.state).toBe('connected');
  });

  it('refuses a body naming neither a code nor a refresh token, and people other than admins', async () => {
    const bad = await test.api('PUT', '/api/v1/zalo/connection', { appId: standin.appId, appSecret: standin.appSecret });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('give exactly one of refreshToken or code');
    expect((await test.api('GET', '/api/v1/zalo/connection', undefined, null)).status).toBe(401);
  });

  it("the admin's console page shows the state and followers and connects the OA with a plain form", async () => {
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
    const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    await send('POST', '/login', { _csrf: csrfOf((await send('GET', '/login')).text), username: 'admin', password: TEST_ADMIN_PASSWORD, next: '/' });
    await test.cloud.zalo.followers.subscribe(null, '9001', 'ap-7');

    const page = await send('GET', '/admin/zalo');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Trạng thái: Đã kết nối');
    expect(page.text).toContain('Ấp 7: 1');
    expect(page.text).toContain('/api/v1/zalo/webhook');
    expect(page.text).not.toMatch(/at_|rt_/);

    const form = { _csrf: csrfOf(page.text), appId: standin.appId, appSecret: standin.appSecret, oaId: standin.oaId, refreshToken: 'not-a-token-zalo-knows' };
    const refused = await send('POST', '/admin/zalo', form);
    expect(refused.status).toBe(502);
    expect(refused.text).toContain('Zalo từ chối');
    const ok = await send('POST', '/admin/zalo', { ...form, refreshToken: standin.issueRefreshToken() });
    expect(ok.status).toBe(303);
    expect((await send('GET', ok.location!)).text).toContain('Đã kết nối OA.');
  });
});
