import { describe, expect, it } from 'vitest';
import { useConsoleE2E, waitForText } from './harness.js';

const HEADER = 'commune_code,commune_name,commune_admin_code,province,province_admin_code,hamlet_code,hamlet_name';

describe("the province's communes in Chromium", () => {
  const e2e = useConsoleE2E();

  it('imports a CSV through the file picker: a bad file is shown row by row and imports nothing, a good one adds communes and hamlets', async () => {
    const admin = await e2e.loginAs('admin');
    await admin.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Xã, phường' }).click();
    await admin.waitForURL('**/admin/communes');

    const bad = `\uFEFF${HEADER}\r\n,Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa\r\n,Xã Tân Tiến,3x,Thành phố Cần Thơ,92,ap-1,Ấp Một\r\n`;
    await admin.getByLabel('Tệp CSV', { exact: true }).setInputFiles({ name: 'xa.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await admin.getByRole('button', { name: 'Nhập', exact: true }).click();
    expect(await waitForText(admin.locator('#communes-status'), 'Không nhập gì cả: tệp có 2 lỗi.')).toBe('Không nhập gì cả: tệp có 2 lỗi.');
    const rows = admin.locator('#import-problems tbody tr');
    expect(await rows.allTextContents()).toEqual(['3commune_admin_code"3x": digits only (mã đơn vị hành chính)', '3hamlet_codehamlet code "ap-1" is already commune vi-tan\'s (Ấp 1)']);
    expect((await e2e.test.api('GET', '/api/v1/communes')).body.communes).toHaveLength(1);

    const good = `\uFEFF${HEADER}\r\n,Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa\r\n,Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Mỹ Hiệp\r\n`;
    await admin.getByLabel('Tệp CSV', { exact: true }).setInputFiles({ name: 'xa.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await admin.getByRole('button', { name: 'Nhập', exact: true }).click();
    await admin.waitForURL('**/admin/communes?done=imported**');
    expect(await admin.locator('p.success').textContent()).toBe('Đã nhập: 1 xã mới, 0 xã cập nhật; 2 ấp mới, 0 ấp cập nhật.');
    const row = admin.locator('#communes-list tr[data-code="hoa-luu"]');
    expect(await row.locator('td').allTextContents()).toEqual(['Xã Hỏa Lựu', 'hoa-luu', '31321', '2', '0', '0', 'Đang hoạt động']);

    // its page: retire a hamlet, move the other up
    await row.getByRole('link', { name: 'Quản lý Xã Hỏa Lựu' }).click();
    await admin.waitForURL('**/admin/communes/hoa-luu');
    await admin.locator('li[data-code="hoa-luu-ap-thanh-hoa"]').getByRole('button', { name: 'Ngừng ấp' }).click();
    await admin.waitForURL('**/admin/communes/hoa-luu?done=retired**');
    await admin.getByRole('button', { name: 'Đưa Ấp Mỹ Hiệp lên trên' }).click();
    await admin.waitForURL('**/admin/communes/hoa-luu?done=order**');
    expect(await admin.locator('ol.hamlets > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-code')))).toEqual(['hoa-luu-ap-my-hiep', 'hoa-luu-ap-thanh-hoa']);
    const picker = (await e2e.test.api('GET', '/api/v1/hamlets')).body.hamlets.map((h: { code: string }) => h.code);
    expect(picker).toContain('hoa-luu-ap-my-hiep');
    expect(picker).not.toContain('hoa-luu-ap-thanh-hoa');
    await e2e.screenshot(admin, 'admin-commune');
  });
});
