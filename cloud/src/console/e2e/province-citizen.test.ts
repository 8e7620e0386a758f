import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addCommune, VI_THUY } from '../../communes/testing/second-commune.js';
import { UserStore } from '../../users/user-store.js';
import { expectAccessible } from './accessibility.js';
import { useConsoleE2E, waitForText } from './harness.js';

const PHONE = { width: 390, height: 844 };

/**
 * Issue 10 in Chromium: a province of two communes. A citizen of Vị Thủy finds the commune on the
 * province's page, files a report with one of its hamlets, its police answer it (Vị Tân's police do
 * not see it), and the citizen follows it from the province's page; every page passes axe-core's
 * WCAG 2 A and AA rules.
 */
describe("a citizen of the second commune of a province, in Chromium", () => {
  const e2e = useConsoleE2E();

  beforeAll(async () => {
    await addCommune(e2e.test.cloud.query);
    const users = new UserStore(e2e.test.cloud.query);
    for (const [username, communeCode] of [['cong-an-vi-thuy', VI_THUY.code], ['cong-an-vi-tan', 'vi-tan']] as const) {
      await users.create({ username, displayName: username, role: 'police', communeCode, password: `password-${username}`, mustChangePassword: false });
    }
  });

  /** A commune's police officer, logged in through the login form. */
  async function officer(username: string): Promise<Page> {
    const page = await e2e.anonymousPage({ bypassCSP: true });
    await page.goto('/login');
    await page.getByLabel('Tên đăng nhập').fill(username);
    await page.getByLabel('Mật khẩu').fill(`password-${username}`);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Đăng nhập' }).click()]);
    return page;
  }

  it('finds the commune on the province page, files a report there, and follows the answer of its own police', async () => {
    const citizen = await e2e.anonymousPage({ viewport: PHONE, bypassCSP: true });
    await citizen.goto('/phan-anh'); // the old address, from a poster printed before the second commune
    await citizen.waitForURL('**/xa');
    expect(await citizen.locator('h1').textContent()).toBe('Các xã trong tỉnh');
    await expectAccessible(citizen, 'the province page');
    await e2e.screenshot(citizen, 'province-communes');
    const viThuy = citizen.locator('li.commune-item', { hasText: 'Xã Vị Thủy' });
    await Promise.all([citizen.waitForURL('**/xa/vi-thuy/phan-anh'), viThuy.getByRole('link', { name: 'Phản ánh an ninh, trật tự' }).click()]);

    expect(await citizen.locator('#commune-name').textContent()).toContain('Xã Vị Thủy');
    const hamlets = await citizen.getByLabel('Thôn / ấp').locator('option').allTextContents();
    expect(hamlets).toEqual(['— Chọn thôn —', 'Ấp Vĩnh Phú', 'Ấp Vĩnh Thuận']);
    await expectAccessible(citizen, "the second commune's report form");
    await citizen.getByLabel('Loại sự việc').selectOption({ label: 'Người lạ, hành vi đáng ngờ' });
    await citizen.getByLabel('Mô tả sự việc').fill('Hai người lạ đi xe không biển số hỏi thăm nhà người già neo đơn.');
    await citizen.getByLabel('Thôn / ấp').selectOption({ label: 'Ấp Vĩnh Thuận' });
    await citizen.getByLabel('Số điện thoại (không bắt buộc)').fill('0912 345 678');
    await Promise.all([citizen.waitForURL(/\/xa\/vi-thuy\/phan-anh\/[0-9A-Z]{8}\?moi=1$/), citizen.getByRole('button', { name: 'Gửi phản ánh' }).click()]);
    const code = (await citizen.locator('#tracking-code').textContent())!.trim();
    await waitForText(citizen.getByRole('status'), 'Đã gửi phản ánh');
    expect(await citizen.locator('main').textContent()).toContain('Ấp Vĩnh Thuận');
    await expectAccessible(citizen, "a report just sent on the second commune's page");
    await e2e.screenshot(citizen, 'province-citizen-report-sent');

    // the other commune's police: neither in the queue nor by its address
    const viTanPolice = await officer('cong-an-vi-tan');
    await viTanPolice.goto('/police/reports');
    expect(await viTanPolice.locator('main').textContent()).not.toContain(code);
    const hidden = await viTanPolice.goto(`/police/reports/${code}`);
    expect(hidden?.status()).toBe(404);

    // its own police answer it
    const viThuyPolice = await officer('cong-an-vi-thuy');
    await viThuyPolice.goto('/police/reports');
    await viThuyPolice.locator(`a[href="/police/reports/${code}"]`).click();
    await viThuyPolice.waitForURL(`**/police/reports/${code}`);
    expect(await viThuyPolice.locator('main').textContent()).toContain('0912345678');
    await viThuyPolice.getByLabel('Trạng thái').selectOption('in_progress');
    await viThuyPolice.getByLabel(/Trả lời công khai/).fill('Công an xã Vị Thủy đã cử người đến ấp Vĩnh Thuận.');
    await Promise.all([viThuyPolice.waitForEvent('load'), viThuyPolice.getByRole('button', { name: 'Lưu trạng thái và trả lời' }).click()]);
    await waitForText(viThuyPolice.locator('#report-status'), 'Đang xử lý');

    // later, from the province's page, with only the code
    const later = await e2e.anonymousPage({ viewport: PHONE, bypassCSP: true });
    await later.goto('/xa');
    await later.getByLabel('Mã theo dõi').fill(code.toLowerCase());
    await Promise.all([later.waitForURL(`**/xa/vi-thuy/phan-anh/${code}`), later.getByRole('button', { name: 'Xem tình trạng' }).click()]);
    expect(await later.locator('#report-status').textContent()).toBe('Đang xử lý');
    expect(await later.locator('#report-reply').textContent()).toBe('Công an xã Vị Thủy đã cử người đến ấp Vĩnh Thuận.');
    await expectAccessible(later, 'a report followed on its commune page');
    // under the other commune's address the code is no report
    const elsewhere = await later.goto(`/xa/vi-tan/phan-anh/${code}`);
    expect(elsewhere?.status()).toBe(404);
    await expectAccessible(later, "another commune's report: not found");
  }, 120_000);

  it("passes axe on each commune's notices and on the province page in English", async () => {
    const page = await e2e.anonymousPage({ bypassCSP: true });
    for (const path of ['/xa/vi-thuy/thong-bao', '/xa/vi-tan/thong-bao?lang=en', '/xa?lang=en', '/xa/khong-co/phan-anh']) {
      await page.goto(path);
      await expectAccessible(page, path);
    }
    await page.goto('/xa?lang=en');
    expect(await page.locator('h1').textContent()).toBe('Communes of the province');
  }, 60_000);
});
