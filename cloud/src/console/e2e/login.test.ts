import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { focusedName, useConsoleE2E } from './harness.js';

/** The ids of the elements Tab reaches, in order, from the top of the page. */
async function tabOrder(page: Page, presses: number): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    order.push(await focusedName(page));
  }
  return order;
}

describe('console login in Chromium', () => {
  const e2e = useConsoleE2E();

  it('is reachable by keyboard with labelled fields, logs in with Enter and out again', async () => {
    const operator = await e2e.user('operator');
    const page = await e2e.anonymousPage({ viewport: { width: 390, height: 844 } });
    await page.goto('/login');
    await e2e.screenshot(page, 'login-phone');
    // from the start of the main content, Tab walks the form in reading order
    await page.locator('main').focus();
    expect(await tabOrder(page, 3)).toEqual(['username', 'password', 'Đăng nhập']);

    await page.getByLabel('Tên đăng nhập').focus();
    await page.keyboard.type(operator.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(operator.password);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.keyboard.press('Enter')]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Xin chào');
    await e2e.screenshot(page, 'home-operator-phone');

    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    const api = await page.evaluate(async () => (await fetch('/api/v1/hamlets')).status);
    expect(api).toBe(401);
  });

  it('shows a wrong password in Vietnamese, and the page in English on request', async () => {
    const page = await e2e.anonymousPage();
    await page.goto('/login');
    await page.getByLabel('Tên đăng nhập').fill('nobody');
    await page.getByLabel('Mật khẩu').fill('wrong');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Tên đăng nhập hoặc mật khẩu không đúng');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page.getByLabel('Username').isVisible()).resolves.toBe(true);
    await e2e.screenshot(page, 'login-english');
  });

  it('runs no inline script: the page reports no CSP violation', async () => {
    const page = await e2e.anonymousPage();
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
    });
    await page.goto('/login');
    await page.waitForLoadState('networkidle');
    expect(violations).toEqual([]);
  });
});
