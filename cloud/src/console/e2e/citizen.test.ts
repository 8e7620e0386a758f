import { describe, expect, it } from 'vitest';
import { focusedName, useConsoleE2E, waitForExpression, waitForText } from './harness.js';

const PHONE = { width: 390, height: 844 };
const PHOTO = '/work/shared/media/vtest-frame-10s.jpg';

describe('citizen in Chromium', () => {
  const e2e = useConsoleE2E();

  it('files a report with a photo on a phone, the police answer it, and the citizen follows it by tracking code', async () => {
    const citizen = await e2e.anonymousPage({ viewport: PHONE });
    await citizen.goto('/phan-anh');
    await citizen.locator('main').focus();
    await citizen.keyboard.press('Tab');
    expect(await focusedName(citizen)).toBe('category');
    await citizen.getByLabel('Loại sự việc').selectOption({ label: 'Trộm cắp tài sản' });
    await citizen.getByLabel('Mô tả sự việc').fill('Mất trộm xe máy Wave màu đỏ trước cổng chợ lúc 6 giờ sáng.');
    await citizen.getByLabel('Thôn / ấp').selectOption('ap-3');
    await citizen.getByLabel('Ảnh (không bắt buộc)').setInputFiles(PHOTO);
    await citizen.getByLabel('Số điện thoại (không bắt buộc)').fill('0912 345 678');
    await e2e.screenshot(citizen, 'citizen-report-form');
    await Promise.all([citizen.waitForURL(/\/phan-anh\/[0-9A-Z]{8}\?moi=1$/), citizen.getByRole('button', { name: 'Gửi phản ánh' }).click()]);
    const code = (await citizen.locator('#tracking-code').textContent())!.trim();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    await waitForText(citizen.getByRole('status'), 'Đã gửi phản ánh');
    expect(await citizen.locator('#report-status').textContent()).toBe('Đã tiếp nhận');
    expect(await citizen.locator('main').textContent()).not.toContain('0912');
    await e2e.screenshot(citizen, 'citizen-report-sent');

    const police = await e2e.loginAs('police');
    await police.goto('/police/incidents');
    // the report waits beside the camera incidents: the officer sees it from the incidents tab
    const reportsTab = police.getByRole('link', { name: /^Phản ánh của người dân/ });
    expect((await reportsTab.textContent())?.replace(/\s+/g, ' ')).toBe('Phản ánh của người dân 1 mới');
    await reportsTab.click();
    await police.locator(`a[href="/police/reports/${code}"]`).click();
    await police.waitForURL(`**/police/reports/${code}`);
    await waitForExpression(police, `document.getElementById('report-photo').naturalWidth > 0`);
    expect(await police.locator('main').textContent()).toContain('0912345678');
    await police.getByLabel('Trạng thái').selectOption('in_progress');
    await police.getByLabel(/Trả lời công khai/).fill('Công an xã đã tiếp nhận, đang xác minh camera khu chợ.');
    await Promise.all([police.waitForEvent('load'), police.getByRole('button', { name: 'Lưu trạng thái và trả lời' }).click()]);
    await waitForText(police.locator('#report-status'), 'Đang xử lý');
    await e2e.screenshot(police, 'police-citizen-report');
    await police.goto('/police/incidents');
    expect((await police.getByRole('link', { name: /^Phản ánh của người dân/ }).textContent())?.trim()).toBe('Phản ánh của người dân'); // taken up: no longer new
    const trail = (await e2e.test.cloud.audit.trail(`report:${code}`)).map((e) => e.action);
    expect(trail).toEqual(expect.arrayContaining(['report.create', 'report.view', 'report.photo_view', 'report.update']));

    const later = await e2e.anonymousPage({ viewport: PHONE });
    await later.goto('/phan-anh');
    await later.getByLabel('Mã theo dõi').fill(code.toLowerCase());
    await Promise.all([later.waitForURL(`**/phan-anh/${code}`), later.getByRole('button', { name: 'Xem tình trạng' }).click()]);
    expect(await later.locator('#report-status').textContent()).toBe('Đang xử lý');
    expect(await later.locator('#report-reply').textContent()).toBe('Công an xã đã tiếp nhận, đang xác minh camera khu chợ.');
    await e2e.screenshot(later, 'citizen-report-status');
  });
});
