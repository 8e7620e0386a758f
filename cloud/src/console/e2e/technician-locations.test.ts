import { describe, expect, it } from 'vitest';
import { useConsoleE2E, waitForText } from './harness.js';

describe('hamlet locations in Chromium', () => {
  const e2e = useConsoleE2E();

  it("enters a hamlet's centre and radius, imports a file of others (a bad row named, nothing imported), and the commune's codes", async () => {
    const page = await e2e.loginAs('technician');
    await page.goto('/fleet');
    await page.getByLabel('Ấp cần nhập vị trí').selectOption({ label: 'Ấp 2' });
    await page.getByLabel('Vĩ độ (lat)').fill('9.7981');
    await page.getByLabel('Kinh độ (lon)').fill('105.4312');
    await page.getByLabel('Bán kính (m)').fill('900');
    await page.getByRole('button', { name: 'Lưu vị trí' }).click();
    expect(await waitForText(page.locator('#locations-status'), 'Đã lưu vị trí Ấp 2.')).toBeTruthy();
    expect(await waitForText(page.locator('#location-list'), '9.7981')).toContain('Đã nhập');

    const upload = (csv: string) => page.getByLabel('Tệp vị trí').setInputFiles({ name: 'ap.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await upload('code,lat,lon,radius_m\nap-3,9.8,105.44,700\nap-99,9.8,105.45,700\n');
    await page.getByRole('button', { name: 'Nhập tệp' }).click();
    expect(await waitForText(page.locator('#locations-status'), 'row 3 (ap-99): unknown hamlet ap-99')).toContain('nothing imported');
    expect((await e2e.test.api('GET', '/api/v1/hamlets/ap-3/location')).body.source).toBe('none');
    await upload('code,lat,lon,radius_m\nap-3,9.8,105.44,700\nap-3a,9.8,105.46,650\n');
    await page.getByRole('button', { name: 'Nhập tệp' }).click();
    expect(await waitForText(page.locator('#locations-status'), 'Đã nhập vị trí 2 ấp.')).toBeTruthy();
    expect((await e2e.test.api('GET', '/api/v1/hamlets/ap-3a/location')).body).toMatchObject({ lat: 9.8, lon: 105.46, radiusM: 650 });

    await page.getByLabel('Mã xã').fill('31474');
    await page.getByRole('button', { name: 'Lưu mã' }).click();
    expect(await waitForText(page.locator('#locations-status'), 'Đã lưu mã đơn vị hành chính.')).toBeTruthy();
    expect((await e2e.test.api('GET', '/api/v1/commune/admin-codes')).body).toEqual({ adminCode: '31474', provinceAdminCode: null });
    await e2e.screenshot(page, 'fleet-locations');
  });
});
