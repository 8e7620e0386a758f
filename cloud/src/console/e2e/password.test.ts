import { describe, expect, it } from 'vitest';
import { useConsoleE2E, waitForText } from './harness.js';

describe('changing one’s password in Chromium', () => {
  const e2e = useConsoleE2E();

  it('sends a person whose password an admin set to "Đổi mật khẩu" until they choose their own', async () => {
    const created = await e2e.test.api('POST', '/api/v1/users', { username: 'dai-ap3', displayName: 'Nguyễn Thị Hoa', role: 'operator', password: 'admin-dat-cho-hoa' });
    expect(created.status).toBe(201);
    // a session opened elsewhere before the change (a phone, say): it ends with the change
    const elsewhere = await e2e.test.login('dai-ap3', 'admin-dat-cho-hoa');

    const page = await e2e.anonymousPage();
    await page.goto('/radio/bulletins');
    await page.getByLabel('Tên đăng nhập').fill('dai-ap3');
    await page.getByLabel('Mật khẩu').fill('admin-dat-cho-hoa');
    await Promise.all([page.waitForURL('**/account/password'), page.getByRole('button', { name: 'Đăng nhập' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('Đổi mật khẩu');
    expect(await page.locator('#password-required').textContent()).toContain('do quản trị viên đặt');
    await e2e.screenshot(page, 'password-required');

    // no other page, and no API, until the password is changed
    await page.goto('/radio/bulletins');
    expect(new URL(page.url()).pathname).toBe('/account/password');
    const api = await page.evaluate(async () => {
      const res = await fetch('/api/v1/hamlets');
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(api.status).toBe(403);
    expect(api.body.error.code).toBe('password_change_required');

    const submit = async (current: string, next: string, repeat = next) => {
      await page.getByLabel('Mật khẩu hiện tại').fill(current);
      await page.getByLabel('Mật khẩu mới', { exact: true }).fill(next);
      await page.getByLabel('Nhập lại mật khẩu mới').fill(repeat);
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      await page.waitForLoadState('domcontentloaded');
    };
    await submit('admin-dat-cho-hoa', '12345678');
    expect(await waitForText(page.getByRole('alert'), 'danh sách mật khẩu phổ biến')).toContain('Hãy chọn mật khẩu khác');
    await submit('admin-dat-cho-hoa', 'dai-ap3-dai-ap3', 'dai-ap3-dai-ap4');
    expect(await waitForText(page.getByRole('alert'), 'không giống nhau')).toBe('Hai lần nhập mật khẩu mới không giống nhau.');
    await submit('khong-phai', 'loa-phuong-ap-ba-2026');
    expect(await waitForText(page.getByRole('alert'), 'hiện tại')).toBe('Mật khẩu hiện tại không đúng.');
    await e2e.screenshot(page, 'password-refused');

    await submit('admin-dat-cho-hoa', 'loa-phuong-ap-ba-2026');
    await page.waitForURL('**/account/password?done=1');
    expect(await page.locator('#password-done').textContent()).toContain('Đã đổi mật khẩu');
    expect(await page.locator('#password-required').count()).toBe(0);
    await e2e.screenshot(page, 'password-changed');

    // the console and the API are open again; the other session has ended
    await page.goto('/radio/bulletins');
    expect(new URL(page.url()).pathname).toBe('/radio/bulletins');
    expect((await e2e.test.api('GET', '/api/v1/hamlets', undefined, elsewhere)).status).toBe(401);
    expect((await e2e.test.api('POST', '/api/v1/auth/token', { username: 'dai-ap3', password: 'loa-phuong-ap-ba-2026' }, null)).body.mustChangePassword).toBe(false);
  }, 60_000);

  it('is reachable from the header for everyone logged in, in English too', async () => {
    const page = await e2e.loginAs('police');
    await page.getByRole('banner').getByRole('link', { name: 'Đổi mật khẩu' }).click();
    await page.waitForURL('**/account/password');
    expect(await page.locator('#password-required').count()).toBe(0);
    await page.goto('/account/password?lang=en');
    expect(await page.locator('h1').textContent()).toBe('Change password');
    expect(await page.getByLabel('Repeat the new password').isVisible()).toBe(true);
  }, 60_000);
});
