import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Worker } from 'playwright-core';
import { incidentOpened } from '../../notifications/webpush/push-messages.js';
import { payloadOf } from '../../notifications/webpush/push-sender.js';
import { useConsoleE2E, waitForText } from './harness.js';

/*
 * The console's side of staff Web Push in Chromium: the page registers the service worker and
 * subscribes; a push delivered through the DevTools protocol (ServiceWorker.deliverPushMessage,
 * as a push service would deliver it, already decrypted) is shown as a notification with the
 * right title and link, and a click on it opens the item. Headless Chromium has no push service
 * behind pushManager.subscribe (it answers with an error): the test then checks that the page says
 * so in words, and proves the rest through the DevTools protocol. The cloud's side (encryption,
 * VAPID, the push service's answers) is proven against a local RFC 8030 push service in
 * notifications/webpush/webpush-channel.test.ts and push-routes.test.ts.
 */

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { url: string };
}

describe('staff Web Push in Chromium', () => {
  const e2e = useConsoleE2E();

  it('a police officer subscribes this device; a push shows the incident with its link, and a click opens it', async () => {
    const page = await e2e.loginAs('police', { viewport: { width: 390, height: 844 } });
    const context = page.context();
    await context.grantPermissions(['notifications'], { origin: e2e.baseUrl });

    // from the account links in the header
    await page.getByRole('link', { name: 'Thông báo trên điện thoại' }).click();
    await page.waitForURL('**/account/notifications');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thông báo trên điện thoại');
    const worker: Worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    expect(new URL(worker.url()).pathname).toBe('/sw.js');
    // (evaluate, not waitForFunction: the console's CSP forbids the eval its polling uses)
    await page.evaluate(`new Promise((resolve) => navigator.serviceWorker.controller ? resolve(true) : navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true)))`);

    await page.getByRole('button', { name: 'Nhận thông báo trên máy này' }).click();
    const status = page.locator('#push-status');
    await status.filter({ hasText: /./ }).waitFor();
    const said = (await status.textContent()) ?? '';
    const subscribed = said === 'Máy này sẽ nhận thông báo.';
    if (subscribed) {
      await waitForText(page.locator('#push-devices tbody'), '(máy này)');
    } else {
      // headless Chromium: no push service to subscribe with; the page says so in words, not a stack trace
      expect(said).toMatch(/^Không đăng ký được với dịch vụ thông báo của trình duyệt: /);
      expect(await page.locator('#push-no-devices').isVisible()).toBe(true);
    }

    // kinds and quiet hours: police see only their own kind
    const kinds = page.getByRole('checkbox', { name: /Cảnh báo mới từ camera/ });
    expect(await kinds.isChecked()).toBe(true);
    expect(await page.locator('input[name="kinds"]').count()).toBe(1);
    await page.getByLabel('Không báo trong giờ yên lặng (trừ báo động khẩn)').check();
    // the hamlets the officer looks after: a group named by its legend, none ticked until chosen
    const hamlets = page.getByRole('group', { name: 'Ấp bạn phụ trách' });
    expect(await hamlets.getByRole('checkbox').count()).toBe(9);
    expect(await hamlets.getByRole('checkbox', { checked: true }).count()).toBe(0);
    await hamlets.getByRole('checkbox', { name: 'Ấp 1', exact: true }).check();
    await page.getByRole('button', { name: 'Lưu lựa chọn' }).click();
    await waitForText(page.locator('#prefs-status'), 'Đã lưu.');
    const stored = await e2e.test.api('GET', '/api/v1/notifications/preferences', undefined, await e2e.test.login('police-e2e', 'password-of-police-e2e'));
    expect(stored.body.quietHours).toEqual({ start: '22:00', end: '06:00' });
    expect(stored.body.hamlets).toEqual(['ap-1']);
    // opened again, the page shows the choice
    await page.reload();
    expect(await page.getByRole('group', { name: 'Ấp bạn phụ trách' }).getByRole('checkbox', { checked: true }).count()).toBe(1);
    expect(await page.getByRole('checkbox', { name: 'Ấp 1', exact: true }).isChecked()).toBe(true);
    await e2e.screenshot(page, 'notifications-police-phone');
    // WCAG 2 A/AA checks of the page's own content (axe-core, evaluated over the DevTools protocol, which the CSP does not cover)
    await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
    const axe = (await page.evaluate(
      `axe.run('#main', { runOnly: ['wcag2a', 'wcag2aa'] }).then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')) }))`,
    )) as { passes: number; violations: string[] };
    expect(axe.violations).toEqual([]);
    expect(axe.passes).toBeGreaterThan(5); // it did check the page (labels, contrast, names, …)

    // the push, as the cloud writes it for a new incident item and a push service delivers it
    const payload = payloadOf(incidentOpened({ incidentId: 'inc_e2e1', label: 'person', camera: 'Cổng', edge: 'Cổng trường', hamlet: 'Ấp 2A' }), 'incident', Date.now());
    const cdp = await context.newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
      registrations.push(...event.registrations.filter((r) => !r.isDeleted));
    });
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => registrations.length).toBeGreaterThan(0);
    // the newest registration of the console's scope (an earlier update event may name one since replaced)
    const registration = registrations.findLast((r) => r.scopeURL === `${e2e.baseUrl}/`)!;
    expect(registration).toBeDefined();
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: e2e.baseUrl, registrationId: registration.registrationId, data: JSON.stringify(payload) });

    // read from the page's registration: the worker instance seen earlier may have been stopped when idle
    // and a new one started for the push
    const shown = async () => (await page.evaluate('navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))')) as ShownNotification[];
    await expect.poll(async () => (await shown()).length, { timeout: 20_000 }).toBe(1);
    const [notification] = await shown();
    expect(notification).toMatchObject({ title: 'Cảnh báo mới: người', tag: 'incident-inc_e2e1', data: { url: '/police/incidents/inc_e2e1' } });
    expect(notification!.body).toContain('Cổng trường, Ấp 2A');

    // a link to another site in a push is never followed
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: e2e.baseUrl, registrationId: registration.registrationId, data: JSON.stringify({ ...payload, tag: 'x', url: '//evil.example/' }) });
    await expect.poll(async () => (await shown()).find((n) => n.tag === 'x')?.data.url, { timeout: 20_000 }).toBe('/');

    // the tap: the worker's own notificationclick handler, given the notification shown (the running instance)
    const running = context.serviceWorkers().at(-1) ?? worker;
    await running.evaluate(`self.registration.getNotifications({ tag: 'incident-inc_e2e1' }).then(([n]) => { self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n })); })`);
    await page.waitForURL('**/police/incidents/inc_e2e1', { timeout: 10_000 });
    expect(await page.evaluate('location.pathname')).toBe('/police/incidents/inc_e2e1');
    await cdp.detach();
  });

  it('a viewer has no notifications page and no link to it', async () => {
    const page = await e2e.loginAs('viewer');
    expect(await page.getByRole('link', { name: 'Thông báo trên điện thoại' }).count()).toBe(0);
    const res = await page.goto('/account/notifications');
    expect(res?.status()).toBe(403);
  });
});
