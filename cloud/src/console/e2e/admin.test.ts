import { describe, expect, it } from 'vitest';
import { useConsoleE2E, waitForText } from './harness.js';

const PHONE = { width: 390, height: 844 };

describe('administrator in Chromium', () => {
  const e2e = useConsoleE2E();

  it('creates a police account through the page; its login then shows in the audit log filtered by that user', async () => {
    const admin = await e2e.loginAs('admin');
    await admin.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Người dùng' }).click();
    await admin.waitForURL('**/admin/users');
    await admin.getByLabel('Tên đăng nhập').fill('cong-an-vitan');
    await admin.getByLabel('Họ và tên').fill('Trần Văn Bình');
    await admin.getByLabel('Vai trò', { exact: true }).selectOption({ label: 'Công an xã' });
    await admin.getByLabel('Mật khẩu ban đầu').fill('mat-khau-ban-dau');
    await admin.getByRole('button', { name: 'Tạo tài khoản' }).click();
    await admin.waitForURL('**/admin/users?done=created&user=cong-an-vitan');
    expect(await waitForText(admin.locator('#users-done'), 'Đã tạo tài khoản cong-an-vitan.')).toBe('Đã tạo tài khoản cong-an-vitan.');
    const card = admin.locator('li.user[data-username="cong-an-vitan"]');
    expect(await card.locator('dl.facts').textContent()).toMatch(/Công an xã.*Đang hoạt động/s);
    const stored = (await e2e.test.api('GET', '/api/v1/users')).body.users.find((u: { username: string }) => u.username === 'cong-an-vitan');
    expect(stored).toMatchObject({ displayName: 'Trần Văn Bình', role: 'police', disabled: false });
    await e2e.screenshot(admin, 'admin-users');

    const officer = await e2e.anonymousPage();
    await officer.goto('/login');
    await officer.getByLabel('Tên đăng nhập').fill('cong-an-vitan');
    await officer.getByLabel('Mật khẩu').fill('mat-khau-ban-dau');
    await Promise.all([officer.waitForURL((url) => url.pathname !== '/login'), officer.getByRole('button', { name: 'Đăng nhập' }).click()]);
    expect(await officer.locator('header .who').textContent()).toContain('Trần Văn Bình (Công an xã)');

    await admin.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Nhật ký hoạt động' }).click();
    await admin.waitForURL('**/admin/audit');
    await admin.getByLabel('Người thực hiện').fill('cong-an-vitan');
    await admin.getByRole('button', { name: 'Lọc', exact: true }).click();
    await admin.waitForURL('**/admin/audit?actor=cong-an-vitan**');
    const rows = admin.locator('table.audit tbody tr');
    expect(await rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.locator('td[data-label="Hành động"]').textContent()).toBe('Đăng nhậpauth.login');
    expect(await row.locator('td[data-label="Đối tượng"]').textContent()).toBe('user:cong-an-vitan');
    expect(await row.locator('td[data-label="Chi tiết"]').textContent()).toContain('via');
    expect(await row.locator('td[data-label="Địa chỉ máy"]').textContent()).toBe('127.0.0.1');
    expect(await admin.locator('#audit-csv').getAttribute('href')).toBe('/api/v1/audit.csv?actor=cong-an-vitan');
    await e2e.screenshot(admin, 'admin-audit');

    const csv = await admin.evaluate(`fetch(document.getElementById('audit-csv').href).then((r) => r.text())`);
    expect(String(csv).trimEnd().split('\r\n').slice(1).map((line) => line.split(',')[3])).toEqual(['auth.login']);

    await admin.goto('/admin/audit?actor=cong-an-vitan&lang=en');
    expect(await admin.locator('h1').textContent()).toBe('Audit log');
    expect(await admin.locator('table.audit tbody td[data-label="Action"] strong').textContent()).toBe('Login');

    const phone = await e2e.loginAs('admin', { viewport: PHONE });
    await phone.goto('/admin/audit?action=auth.login');
    expect(await phone.locator('table.audit tbody tr').count()).toBeGreaterThanOrEqual(3);
    const overflow = await phone.evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
    expect(overflow).toBe(0);
    await e2e.screenshot(phone, 'admin-audit-phone');

    await phone.goto('/admin/audit?from=2026-12-05&to=2026-12-01');
    expect(await phone.getByRole('alert').textContent()).toBe('"Đến ngày" phải sau "Từ ngày".');
    await phone.goto('/admin/audit?from=hôm-qua');
    expect(await phone.getByRole('alert').textContent()).toBe('Bộ lọc không hợp lệ (from): ngày phải có dạng YYYY-MM-DD.');
  }, 60_000);

  it('changes a role, disables and re-enables an account and resets its password through the page', async () => {
    const target = await e2e.user('viewer', 'nguoi-xem-1');
    const admin = await e2e.loginAs('admin');
    await admin.goto('/admin/users');
    const card = () => admin.locator(`li.user[data-username="${target.username}"]`);
    await card().getByLabel(`Vai trò của ${target.username} (e2e)`).selectOption('operator');
    await card().getByRole('button', { name: 'Đổi vai trò' }).click();
    await admin.waitForURL('**/admin/users?done=role**');
    await card().getByRole('button', { name: 'Khoá tài khoản' }).click();
    await admin.waitForURL('**/admin/users?done=disabled**');
    expect(await card().locator('dl.facts').textContent()).toMatch(/Cán bộ truyền thanh.*Đã khoá/s);
    expect((await e2e.test.api('POST', '/api/v1/auth/token', { username: target.username, password: target.password }, null)).status).toBe(401);
    await card().getByRole('button', { name: 'Mở khoá tài khoản' }).click();
    await admin.waitForURL('**/admin/users?done=enabled**');
    await card().getByText('Đặt lại mật khẩu').click();
    await card().getByLabel(`Mật khẩu mới cho ${target.username} (e2e)`).fill('mat-khau-moi-123');
    await card().getByRole('button', { name: 'Lưu mật khẩu mới' }).click();
    await admin.waitForURL('**/admin/users?done=password**');
    expect((await e2e.test.api('POST', '/api/v1/auth/token', { username: target.username, password: 'mat-khau-moi-123' }, null)).status).toBe(200);

  }, 60_000);

  it('refuses the admin pages to an operator with the 403 page', async () => {
    const operator = await e2e.loginAs('operator');
    const response = await operator.goto('/admin/audit');
    expect(response?.status()).toBe(403);
    expect(await operator.locator('h1').textContent()).toBe('Không có quyền truy cập');
    expect(await operator.locator('table.audit').count()).toBe(0);
    expect(await operator.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Nhật ký hoạt động' }).count()).toBe(0);
    await e2e.screenshot(operator, 'admin-audit-refused');
    const refused = (await e2e.test.api('GET', '/api/v1/audit?actor=operator-e2e&action=access.page_refused')).body;
    expect(refused.items.map((e: { target: string }) => e.target)).toContain('page:/admin/audit');
  }, 60_000);
});
