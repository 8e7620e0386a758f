import { alertOccurrenceId, topics } from '@smart-commune/shared';
import { describe, expect, it } from 'vitest';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { focusedName, useConsoleE2E, waitForText } from './harness.js';

describe('radio operator in Chromium', () => {
  const e2e = useConsoleE2E();

  it('writes a bulletin, listens to it in the page, and schedules it daily at 05:30 for two hamlets', async () => {
    const page = await e2e.loginAs('operator');
    await page.getByRole('navigation').getByRole('link', { name: 'Bản tin' }).click();
    await page.waitForURL('**/radio/bulletins');

    // keyboard: the fields are labelled and Tab walks them in order
    await page.getByLabel('Tiêu đề').first().focus();
    expect(await focusedName(page)).toBe('speech-title');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('speech-text');

    await page.getByLabel('Tiêu đề').first().fill('Thông báo tiêm chủng');
    await page.getByLabel('Nội dung').fill('UBND xã thông báo: ngày 5/12 có tiêm chủng tại trạm y tế, lúc 7 giờ 30.');
    await page.getByLabel('Bắc').check();
    await page.getByLabel('Tốc độ đọc (từ/phút)').fill('150');
    // heard before it is saved: the audio plays from the answer, nothing is stored yet
    const bulletinsBefore = (await e2e.test.api('GET', '/api/v1/bulletins')).body.total;
    await page.getByRole('button', { name: 'Đọc thử' }).click();
    await page.locator('#speech-heard').waitFor({ state: 'visible', timeout: 30_000 });
    const heard = page.getByLabel('Âm thanh nghe thử');
    expect(await heard.getAttribute('src')).toMatch(/^blob:/);
    const previewSeconds = await heard.evaluate(
      (element: { readyState: number; duration: number; addEventListener(type: string, listener: () => void): void }) =>
        new Promise<number>((resolve) => (element.readyState >= 1 ? resolve(element.duration) : element.addEventListener('loadedmetadata', () => resolve(element.duration)))),
    );
    expect(previewSeconds).toBeGreaterThan(2);
    await expect(page.locator('#speech-preview-facts').textContent()).resolves.toMatch(/-1[5-7]\.\d LUFS/);
    expect((await e2e.test.api('GET', '/api/v1/bulletins')).body.total).toBe(bulletinsBefore);
    await page.getByRole('button', { name: 'Lưu bản tin' }).click();

    const result = page.locator('#result');
    await result.waitFor({ state: 'visible', timeout: 60_000 });
    const audio = page.locator('#result-audio');
    expect(await audio.getAttribute('src')).toMatch(/^\/api\/v1\/bulletins\/bul_[\w-]+\/audio$/);
    // the browser fetched and decoded the start of it: a playable source with a real duration
    const duration = await audio.evaluate(
      (element: { readyState: number; duration: number; addEventListener(type: string, listener: () => void): void }) =>
        new Promise<number>((resolve) => (element.readyState >= 1 ? resolve(element.duration) : element.addEventListener('loadedmetadata', () => resolve(element.duration)))),
    );
    expect(duration).toBeGreaterThan(2);
    await expect(page.locator('#result-loudness').textContent()).resolves.toMatch(/^-1[5-7]\.\d LUFS$/);
    await e2e.screenshot(page, 'radio-bulletins');

    await page.getByRole('link', { name: 'Lên lịch phát bản tin này' }).click();
    await page.waitForURL('**/radio/schedule?bulletin=*');
    const bulletinId = new URL(page.url()).searchParams.get('bulletin')!;
    await expect(page.getByLabel('Bản tin', { exact: true }).inputValue()).resolves.toBe(bulletinId);
    await expect(page.getByLabel('Tiêu đề').inputValue()).resolves.toBe('Thông báo tiêm chủng');
    await page.getByLabel('Giờ phát').fill('05:30');
    await page.getByLabel('Hằng ngày').check();
    await page.getByLabel('Các ấp được chọn').check();
    await page.getByLabel('Ấp 2', { exact: true }).check();
    await page.getByLabel('Ấp 3A').check();
    await page.getByRole('button', { name: 'Lưu lịch phát' }).click();
    expect(await waitForText(page.locator('#item-status'), 'Đã lưu «Thông báo tiêm chủng»')).toContain('Đã lưu «Thông báo tiêm chủng»');
    expect(await waitForText(page.locator('#week'), '05:30 Thông báo tiêm chủng')).toContain('05:30 Thông báo tiêm chủng');
    await e2e.screenshot(page, 'radio-schedule');

    const { body } = await e2e.test.api('GET', `/api/v1/schedules?bulletin=${bulletinId}`);
    expect(body.schedules).toHaveLength(1);
    expect(body.schedules[0]).toMatchObject({
      title: 'Thông báo tiêm chủng',
      source: { kind: 'bulletin', bulletinId },
      rrule: 'FREQ=DAILY',
      targets: { hamlets: ['ap-2', 'ap-3a'] },
      priority: 'normal',
      timeZone: 'Asia/Ho_Chi_Minh',
    });
    expect(body.schedules[0].startsLocal).toMatch(/T05:30$/);

    // the same slot again overlaps: the 409 is shown in words naming the other item
    await page.getByLabel('Bản tin', { exact: true }).selectOption(bulletinId);
    await page.getByLabel('Giờ phát').fill('05:30');
    await page.getByLabel('Hằng ngày').check();
    await page.getByLabel('Tiêu đề').fill('Bản tin trùng giờ');
    await page.getByLabel('Các ấp được chọn').check();
    await page.getByLabel('Ấp 2', { exact: true }).check();
    await page.getByRole('button', { name: 'Lưu lịch phát' }).click();
    expect(await waitForText(page.locator('#item-status'), 'Trùng giờ với «Thông báo tiêm chủng»')).toContain('Trùng giờ với «Thông báo tiêm chủng»');
  });

  it('starts an emergency alert only after confirmation, shows where and when it played, and stops it', async () => {
    const { edgeId: ap1Box } = await claimTestEdge(e2e.test, 'ap-1');
    const page = await e2e.loginAs('operator');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto('/radio/alerts');
    await page.getByLabel('Loại cảnh báo').selectOption('storm');
    await page.getByLabel('Nội dung cảnh báo (sẽ được đọc lên)').fill('Bão số 9 sắp đổ bộ. Bà con khẩn trương chằng chống nhà cửa.');
    await page.getByLabel('Các ấp được chọn').check();
    await page.getByLabel('Ấp 1', { exact: true }).check();
    await page.getByRole('button', { name: 'Xem lại trước khi phát' }).click();
    expect(await waitForText(page.locator('#confirm-text'), 'Ấp 1')).toContain('Ấp 1');
    expect((await e2e.test.api('GET', '/api/v1/alerts')).body.alerts).toHaveLength(0);
    await e2e.screenshot(page, 'radio-alert-confirm');

    await page.getByRole('button', { name: 'Phát cảnh báo ngay' }).click();
    expect(await waitForText(page.locator('#alert-status'), 'Đã gửi cảnh báo tới: Ấp 1; bắt đầu phát lúc', 60_000)).toBeTruthy();
    expect(await waitForText(page.locator('#alert-list'), 'Bão số 9')).toContain('Ấp 1 — chưa có báo cáo từ tủ');
    const [alert] = (await e2e.test.api('GET', '/api/v1/alerts')).body.alerts;
    expect(alert).toMatchObject({ kind: 'storm', status: 'active', targets: { hamlets: ['ap-1'] } });

    // Ấp 1's box reports it playing: the page follows without a reload
    const playedAt = alert.startsAt + 7;
    await e2e.test.cloud.broker.publish(topics.event(ap1Box, 'playback'), JSON.stringify({
      eventId: 'evt_alertstarted01',
      ts: Date.now(),
      body: { occurrenceId: alertOccurrenceId(alert.id, 0), scheduleId: alert.id, bulletinId: null, state: 'started', plannedStartAt: alert.startsAt, actualStartAt: playedAt, durationMs: null, reason: null, zones: ['main'] },
    }), { qos: 1, retain: false });
    const shownAt = await page.evaluate(
      `new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(${playedAt}))`,
    );
    expect(await waitForText(page.locator('#alert-list'), 'Ấp 1 — Đang phát lúc', 15_000)).toContain(String(shownAt));
    await e2e.screenshot(page, 'radio-alert-active');

    await page.getByRole('button', { name: 'Dừng cảnh báo' }).click();
    expect(await waitForText(page.locator('#alert-status'), 'Đã dừng cảnh báo')).toContain('Đã dừng cảnh báo');
    expect((await e2e.test.api('GET', `/api/v1/alerts/${alert.id}`)).body.status).toBe('cancelled');
  });

  it('filters proof of play and offers the same filters as CSV', async () => {
    const page = await e2e.loginAs('operator');
    await page.goto('/radio/playback');
    await page.getByLabel('Ấp', { exact: true }).selectOption('ap-2');
    await page.getByLabel('Từ ngày').fill('2026-01-01');
    await page.getByLabel('Đến ngày').fill('2026-01-31');
    await page.getByRole('button', { name: 'Xem' }).click();
    expect(await waitForText(page.locator('#pb-list'), 'Không có bản ghi nào')).toContain('Không có bản ghi nào');
    expect(await page.getByRole('link', { name: 'Tải về CSV (Excel)' }).getAttribute('href')).toBe('/api/v1/playback.csv?hamlet=ap-2&from=2026-01-01&to=2026-01-31');
    const csv = await page.evaluate(`fetch('/api/v1/playback.csv?hamlet=ap-2').then((r) => r.status)`);
    expect(csv).toBe(200);
    await e2e.screenshot(page, 'radio-playback');
  });

  it('refuses what the operator may not open, on the server', async () => {
    const page = await e2e.loginAs('operator');
    const users = await page.evaluate(`fetch('/api/v1/users').then((r) => r.status)`);
    expect(users).toBe(403);
    await page.goto('/radio/bulletins');
    const clip = await page.goto('/api/v1/incidents/inc_0123456789/clip.mp4');
    expect(clip?.status()).toBe(403);
    const refused = await e2e.test.api('GET', '/api/v1/audit?action=incident.media_refused');
    expect(refused.body.items[0]).toMatchObject({ actor: 'operator-e2e' });
    const police = await e2e.loginAs('police');
    const res = await police.goto('/radio/bulletins');
    expect(res?.status()).toBe(403);
    expect(await police.getByRole('heading', { level: 1 }).textContent()).toBe('Không có quyền truy cập');
    expect(await police.getByRole('link', { name: 'Bản tin' }).count()).toBe(0);
  });
});
