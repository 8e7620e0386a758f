import { describe, expect, it } from 'vitest';
import type { NewOutboxMessage } from '../../notifications/channel.js';
import { insertBulletin } from '../../radio/testing/radio-test-kit.js';
import { useConsoleE2E, waitForText } from './harness.js';

const PHONE = { width: 390, height: 844 };

const message = (channel: string, n: number, subject: string): NewOutboxMessage => ({
  channel,
  idempotencyKey: `bulletin.scheduled:${subject}:${channel}:${n}`,
  recipient: `follower-${n}`,
  subject,
  event: 'bulletin.scheduled',
  content: { title: 'Thông báo tiêm chủng', body: 'Ngày 5/12 tiêm chủng tại trạm y tế', path: '/thong-bao' },
});

describe('notifications in Chromium', () => {
  const e2e = useConsoleE2E();

  it('shows admins each notification with its attempts and reason, and sends a given-up one again', async () => {
    // no channel named zalo runs in the test cloud: what the page shows is what was stored
    const { outbox, store } = e2e.test.cloud.notifications;
    await outbox.enqueue([message('zalo', 1, 'bulletin:bul_e2e'), message('zalo', 2, 'bulletin:bul_e2e')]);
    const [sent, failed] = await store.claimDue('zalo', 2);
    await store.recordSent(sent!.id, 95, 'zalo-msg-1');
    await store.recordFailed(failed!.id, 120, 'người theo dõi đã chặn OA (mã lỗi -230)');

    const admin = await e2e.loginAs('admin');
    await admin.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Thông báo đã gửi' }).click();
    await admin.waitForURL('**/admin/notifications');
    await admin.getByLabel('Trạng thái').selectOption({ label: 'Đã bỏ cuộc' });
    await admin.getByRole('button', { name: 'Lọc', exact: true }).click();
    await admin.waitForURL((url) => url.pathname === '/admin/notifications' && url.searchParams.get('status') === 'failed');
    const rows = admin.locator('table.notifications tbody tr');
    expect(await rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.locator('td[data-label="Kênh"]').textContent()).toBe('Zalo OA (người dân)');
    expect(await row.locator('td[data-label="Các lần gửi"]').textContent()).toContain('lỗi, bỏ cuộc: người theo dõi đã chặn OA (mã lỗi -230)');
    await e2e.screenshot(admin, 'admin-notifications');

    await row.getByRole('button', { name: `Gửi lại ngay thông báo ${failed!.id}` }).click();
    expect(await waitForText(admin.locator('#notifications-status'), `Đã xếp thông báo ${failed!.id} vào hàng gửi lại.`)).toBeTruthy();
    // reloaded: the message is queued again, so the "given up" filter no longer lists it
    await admin.locator('table.notifications').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await admin.locator('main').textContent()).toContain('Không có thông báo nào khớp bộ lọc.');
    expect((await store.get(failed!.id))!.status).toBe('queued');
    expect((await e2e.test.cloud.audit.trail(`notification:${failed!.id}`)).map((e) => e.action)).toEqual(['notification.retry']);

    await admin.goto(`/admin/notifications?subject=bulletin:bul_e2e`);
    expect(await admin.locator('table.notifications tbody tr').count()).toBe(2);
    expect(await admin.locator(`tr[data-id="${failed!.id}"] td[data-label="Trạng thái"]`).textContent()).toContain('Đang chờ gửi');

    const phone = await e2e.loginAs('admin', { viewport: PHONE });
    await phone.goto('/admin/notifications');
    expect(await phone.evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`)).toBe(0);
    await e2e.screenshot(phone, 'admin-notifications-phone');

    const operator = await e2e.loginAs('operator');
    const refused = await operator.goto('/admin/notifications');
    expect(refused?.status()).toBe(403);
  });

  it('shows the operator where a bulletin went: loudspeakers, Zalo OA, Web Push', async () => {
    const { db } = e2e.test.cloud.query;
    const bulletin = await insertBulletin(e2e.test.cloud.query, { title: 'Lịch tiêm phòng dại', seconds: 2 });
    const subject = `bulletin:${bulletin.id}`;
    const { outbox, store } = e2e.test.cloud.notifications;
    // the Web Push channel runs in the cloud: its message (to no real device) waits an hour, so it shows as waiting
    await outbox.enqueue([message('zalo', 1, subject), message('zalo', 2, subject), { ...message('webpush', 1, subject), notBefore: Date.now() + 3_600_000 }]);
    // (the first test's message, queued again, is due too: sent with these)
    for (const m of await store.claimDue('zalo', 10)) await store.recordSent(m.id, 50, undefined);
    const edge = await e2e.test.api('POST', '/api/v1/edges', { name: 'Tủ loa chợ', hamletCode: 'ap-1' });
    await db
      .insertInto('playback')
      .values({ event_id: 'evt_e2e_reach', edge_id: edge.body.id, occurrence_id: 'o', schedule_id: 'sch_e2e', bulletin_id: bulletin.id, state: 'completed', planned_start_at: Date.now() - 60_000, actual_start_at: Date.now() - 59_000, received_at: Date.now(), hamlet_code: 'ap-1' })
      .execute();

    const operator = await e2e.loginAs('operator');
    await operator.goto('/radio/bulletins');
    const line = await waitForText(operator.locator('#bulletin-list p.reach'), 'Đã đến đâu');
    expect(line).toMatch(/^Đã đến đâu: Loa: 1 lần phát ở 1 ấp · Web Push: 0 đã gửi, 1 đang chờ · Zalo OA: 2 đã gửi, lần cuối \d/);
    await e2e.screenshot(operator, 'radio-bulletins-reach');
  });

  it('shows the operator where an active alert went, beside its hamlets', async () => {
    const created = await e2e.test.api('POST', '/api/v1/alerts', {
      text: 'Nước sông dâng cao, bà con ấp 1 di dời đến nơi an toàn.',
      severity: 'severe',
      kind: 'flood',
      targets: { hamlets: ['ap-1', 'ap-2a'] },
      expiresAt: Date.now() + 3600_000,
    });
    expect(created.status).toBe(201);
    const alertId: string = created.body.id;
    const { outbox, store } = e2e.test.cloud.notifications;
    await outbox.enqueue([message('webpush', 7, `alert:${alertId}`), message('webpush', 8, `alert:${alertId}`)]);
    const [first] = (await store.claimDue('webpush', 10)).filter((m) => m.subject === `alert:${alertId}`);
    await store.recordSent(first!.id, 30, undefined);
    const edgeId: string = (await e2e.test.api('POST', '/api/v1/edges', { name: 'Tủ ấp 1 (loa)', hamletCode: 'ap-1' })).body.id;
    await e2e.test.cloud.query.db
      .insertInto('playback')
      .values({ event_id: 'evt_e2e_alert', edge_id: edgeId, occurrence_id: 'o', schedule_id: alertId, bulletin_id: null, state: 'started', planned_start_at: Date.now(), actual_start_at: Date.now(), received_at: Date.now(), hamlet_code: 'ap-1' })
      .execute();

    const operator = await e2e.loginAs('operator');
    await operator.goto('/radio/alerts');
    const line = await waitForText(operator.locator('#alert-list p.reach'), 'Đã đến đâu');
    expect(line).toMatch(/^Đã đến đâu: Loa: 1\/2 ấp · Web Push: 1 đã gửi, 1 đang chờ, lần cuối \d/);
    await e2e.screenshot(operator, 'radio-alert-reach');
    expect((await e2e.test.api('DELETE', `/api/v1/alerts/${alertId}`)).status).toBe(200);
  });
});
