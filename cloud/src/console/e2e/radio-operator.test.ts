import { DateTime } from 'luxon';
import { alertOccurrenceId, topics } from '@smart-commune/shared';
import { describe, expect, it } from 'vitest';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { givenInPlan } from '../../radio/testing/radio-test-kit.js';
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

    // edited from the week: every other week on Monday and Thursday, until the end of June 2027
    await page.getByRole('button', { name: '05:30 Thông báo tiêm chủng' }).first().click();
    expect(await waitForText(page.locator('#item-heading'), 'Sửa lịch phát: Thông báo tiêm chủng')).toBeTruthy();
    expect(await page.getByLabel('Hằng ngày').isChecked()).toBe(true);
    expect(await page.getByLabel('Ấp 3A').isChecked()).toBe(true);
    expect(await focusedName(page)).toBe('item-bulletin');
    for (const next of ['item-title', 'item-date']) {
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe(next);
    }
    await page.getByLabel('Hằng tuần, vào các ngày').check();
    await page.getByLabel('Thứ Hai').check();
    await page.getByLabel('Thứ Năm').check();
    await page.getByLabel('Cách mấy tuần một lần').fill('2');
    await page.getByLabel('Đến ngày (bỏ trống nếu không hạn)').fill('2027-06-30');
    await page.getByRole('button', { name: 'Lưu lịch phát' }).click();
    expect(await waitForText(page.locator('#item-status'), 'Đã lưu «Thông báo tiêm chủng»')).toBeTruthy();
    const edited = (await e2e.test.api('GET', `/api/v1/schedules?bulletin=${bulletinId}`)).body.schedules;
    expect(edited).toHaveLength(1);
    expect(edited[0]).toMatchObject({ rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20270630', targets: { hamlets: ['ap-2', 'ap-3a'] } });
    expect(edited[0].startsLocal).toMatch(/T05:30$/);
  });

  it('starts an emergency alert only after confirmation, shows where and when it played, and stops it', async () => {
    const { edgeId: ap1Box } = await claimTestEdge(e2e.test, 'ap-1');
    const page = await e2e.loginAs('operator');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto('/radio/alerts');
    // keyboard: the alert's fields in reading order
    await page.getByLabel('Loại cảnh báo').focus();
    for (const next of ['alert-severity', 'alert-title', 'alert-text']) {
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe(next);
    }
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

  it('shows proof of play by hamlet, dates and state, planned against actual start, and the same filters as CSV', async () => {
    // two boxes report what they played, as their outboxes send it
    const ap2Box = (await claimTestEdge(e2e.test, 'ap-2', 'Tủ loa chợ')).edgeId;
    const ap3Box = (await claimTestEdge(e2e.test, 'ap-3', 'Tủ loa trường')).edgeId;
    const at = (local: string) => DateTime.fromISO(local, { zone: 'Asia/Ho_Chi_Minh' }).toMillis();
    // what the plans of those days gave them (once their first plans are out, so the next plan run is an hour away)
    for (const edgeId of [ap2Box, ap3Box]) await waitFor(() => e2e.test.cloud.fleet.documents.get(edgeId, 'schedule'), `the plan of ${edgeId}`);
    const days = [at('2026-01-15T06:00'), at('2026-01-16T06:00')];
    for (const edgeId of [ap2Box, ap3Box]) await givenInPlan(e2e.test.cloud.query, edgeId, days.map((startAt) => ({ occurrenceId: `sch_pb:${startAt}`, scheduleId: 'sch_pb', bulletinId: null, startAt })));
    const report = (edgeId: string, eventId: string, state: string, planned: number, actual: number | null, reason: string | null = null) =>
      e2e.test.cloud.broker.publish(topics.event(edgeId, 'playback'), JSON.stringify({
        eventId,
        ts: Date.now(),
        body: { occurrenceId: `sch_pb:${planned}`, scheduleId: 'sch_pb', bulletinId: null, state, plannedStartAt: planned, actualStartAt: actual, durationMs: actual === null ? null : 61_000, reason, zones: ['main'] },
      }), { qos: 1, retain: false });
    await report(ap2Box, 'evt_pb_ap2_day15', 'completed', at('2026-01-15T06:00'), at('2026-01-15T06:00') + 12);
    await report(ap2Box, 'evt_pb_ap2_day16', 'missed', at('2026-01-16T06:00'), null, 'the box was off');
    await report(ap3Box, 'evt_pb_ap3_day15', 'completed', at('2026-01-15T06:00'), at('2026-01-15T06:00') - 3);
    await waitFor(async () => (await e2e.test.api('GET', '/api/v1/playback?from=2026-01-01&to=2026-01-31')).body.total === 3, 'the three reports stored');

    const page = await e2e.loginAs('operator');
    await page.goto('/radio/playback');
    // keyboard: the filters in reading order
    await page.getByLabel('Ấp', { exact: true }).focus();
    for (const next of ['pb-state', 'pb-from']) {
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe(next);
    }
    await page.getByLabel('Ấp', { exact: true }).selectOption('ap-2');
    await page.getByLabel('Từ ngày').fill('2026-01-01');
    await page.getByLabel('Đến ngày').fill('2026-01-31');
    await page.getByRole('button', { name: 'Xem' }).click();
    await waitForText(page.locator('#pb-total'), '2');
    const rows = page.locator('#pb-list tbody tr');
    expect(await rows.count()).toBe(2);
    const newest = await rows.nth(0).locator('td').allTextContents();
    expect(newest).toEqual(['Ấp 2', 'Tủ loa chợ', '', '06:00:00 16/01/2026', '—', '—', 'Bị lỡ', 'the box was off']);
    const played = await rows.nth(1).locator('td').allTextContents();
    expect(played.slice(0, 2)).toEqual(['Ấp 2', 'Tủ loa chợ']);
    expect(played.slice(3, 7)).toEqual(['06:00:00 15/01/2026', '06:00:00 15/01/2026', '+12', 'Đã phát xong']);
    await e2e.screenshot(page, 'radio-playback');

    await page.getByLabel('Trạng thái').selectOption('missed');
    await page.getByRole('button', { name: 'Xem' }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    const csvHref = await page.getByRole('link', { name: 'Tải về CSV (Excel)' }).getAttribute('href');
    expect(csvHref).toBe('/api/v1/playback.csv?hamlet=ap-2&state=missed&from=2026-01-01&to=2026-01-31');
    const csv = String(await page.evaluate(`fetch(${JSON.stringify(csvHref)}).then((r) => r.text())`));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2); // the header and the one missed play
    expect(lines[1]).toContain('Tủ loa chợ');
    expect(lines[1]).toContain('missed');
  });

  it("edits how abbreviations are read: adds the commune's own, changes it and removes it", async () => {
    const page = await e2e.loginAs('operator');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto('/radio/bulletins');
    const list = page.locator('#dictionary-list tbody');
    expect(await waitForText(list, 'Ủy ban nhân dân')).toContain('UBND'); // a shipped entry
    await page.getByLabel('Từ viết tắt', { exact: true }).fill('CLB');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('dict-expansion');
    await page.keyboard.type('câu lạc bộ');
    await page.keyboard.press('Enter');
    expect(await waitForText(page.locator('#dictionary-status'), 'Đã lưu: CLB đọc là «câu lạc bộ».')).toBeTruthy();
    const entry = (abbreviation: string) => list.locator('tr', { has: page.locator('strong', { hasText: new RegExp(`^${abbreviation}$`) }) });
    expect(await entry('CLB').locator('td').allTextContents()).toEqual(['CLB', 'câu lạc bộ', 'Của xã', 'Sửa Bỏ']);
    await e2e.screenshot(page, 'radio-dictionary');

    await page.getByRole('button', { name: 'Sửa: CLB' }).click();
    expect(await page.getByLabel('Đọc là').inputValue()).toBe('câu lạc bộ');
    await page.getByLabel('Đọc là').fill('câu lạc bộ thể thao');
    await page.getByRole('button', { name: 'Lưu cách đọc' }).click();
    await waitForText(entry('CLB'), 'câu lạc bộ thể thao');
    const stored = (await e2e.test.api('GET', '/api/v1/tts/dictionary')).body.entries;
    expect(stored).toContainEqual({ abbreviation: 'CLB', expansion: 'câu lạc bộ thể thao', source: 'custom' });

    await page.getByRole('button', { name: 'Bỏ: CLB' }).click();
    expect(await waitForText(page.locator('#dictionary-status'), 'Đã bỏ cách đọc của «CLB».')).toBeTruthy();
    expect(await entry('CLB').count()).toBe(0);
    expect((await e2e.test.api('GET', '/api/v1/tts/dictionary')).body.entries.map((e: { abbreviation: string }) => e.abbreviation)).not.toContain('CLB');
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
