import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { SESSION_COOKIE } from '../../auth/session-cookie.js';

/*
 * "Thông báo trên điện thoại" as the server renders it: the hamlet checklist (a fieldset with a
 * legend, a label per hamlet) opens showing what the person chose. Saving goes through the API
 * (account-notifications.js), proven in Chromium in e2e/push-notifications.test.ts.
 */
let test: TestCloud;
let police: string;

beforeAll(async () => {
  test = await startTestCloud();
  expect((await test.request('POST', '/api/v1/users', { username: 'police-p', role: 'police', password: 'password-of-police', mustChangePassword: false })).status).toBe(201);
  police = await test.login('police-p', 'password-of-police');
}, 60_000);

afterAll(async () => {
  await test?.stop();
});

const page = async (session: string) => {
  const res = await test.cloud.app.request('/account/notifications', { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
  return { status: res.status, text: await res.text() };
};
const checked = (text: string) => [...text.matchAll(/<input type="checkbox" name="hamlets" value="([^"]+)" checked>/g)].map((m) => m[1]);

describe('the notifications page\'s hamlets', () => {
  it('lists the commune\'s hamlets in Vietnamese in a fieldset, none ticked (the whole commune) until chosen, then the choice', async () => {
    const before = await page(police);
    expect(before.status).toBe(200);
    expect(before.text).toMatch(/<fieldset[^>]*id="push-hamlets"[^>]*><legend>Ấp bạn phụ trách<\/legend>/);
    expect(before.text).toContain('Không chọn ấp nào: nhận của cả xã.');
    expect(before.text).toContain('<label class="check"><input type="checkbox" name="hamlets" value="ap-1"> Ấp 1</label>');
    expect(before.text.match(/name="hamlets"/g)).toHaveLength(9);
    expect(checked(before.text)).toEqual([]);

    const saved = await test.request('PUT', '/api/v1/notifications/preferences', { kinds: ['incident'], quietHours: null, hamlets: ['ap-1', 'ap-3'] }, police);
    expect(saved.status).toBe(200);
    expect(checked((await page(police)).text)).toEqual(['ap-1', 'ap-3']);
  });
});
