import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { insertBulletin } from '../../radio/testing/radio-test-kit.js';
import { expectAccessible, openSettled } from './accessibility.js';
import { useConsoleE2E, waitForText } from './harness.js';
import { insertCommune } from '../../../../test-support/places.js';

/**
 * Issue 10 in Chromium: a commune operator's week calendar shows the province's programme marked as
 * the province's and read-only (no way to open it for editing), beside the commune's own items; its
 * link leads to its proof of play with a line per commune. Both pages pass axe-core's WCAG 2 A/AA rules.
 */
describe('province programmes in a commune operator\'s console', () => {
  const e2e = useConsoleE2E();

  it('shows the province programme read-only in the week, and its proof of play per commune', async () => {
    const { test } = e2e;
    const { db } = test.cloud.query;
    await insertCommune(test.cloud.query, { code: 'vi-thanh', name: 'Xã Vị Thanh', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang' }, [{ code: 'vt-1', name: 'Ấp Vị Thanh 1', position: 0 }]);
    // the commune's operator (made through the API, then placed in Vị Tân) and a province operator
    const communeOperator = await e2e.user('operator', 'op-vi-tan');
    await db.updateTable('users').set({ commune_code: 'vi-tan' }).where('id', '=', communeOperator.id).execute();
    const provinceOperator = await e2e.user('operator', 'op-tinh');
    const provinceToken = await test.login(provinceOperator.username, provinceOperator.password);
    const communeToken = await test.login(communeOperator.username, communeOperator.password);

    const provinceBulletin = await insertBulletin(test.cloud.query, { title: 'Bản tin của tỉnh', seconds: 20 });
    const communeBulletin = await insertBulletin(test.cloud.query, { title: 'Bản tin của xã', seconds: 20 });
    await db.updateTable('bulletins').set({ commune_code: 'vi-tan' }).where('id', '=', communeBulletin.id).execute();
    const soon = DateTime.now().setZone('Asia/Ho_Chi_Minh').plus({ minutes: 10 }).startOf('minute');
    const at = (minutes: number) => soon.plus({ minutes }).toFormat("yyyy-MM-dd'T'HH:mm");
    const province = await test.api('POST', '/api/v1/schedules', { title: 'Chương trình toàn tỉnh', source: { kind: 'bulletin', bulletinId: provinceBulletin.id }, startsLocal: at(0), targets: { all: true } }, provinceToken);
    expect(province.status, JSON.stringify(province.body)).toBe(201);
    expect(province.body.communeCode).toBeNull();
    const own = await test.api('POST', '/api/v1/schedules', { title: 'Bản tin của xã', source: { kind: 'bulletin', bulletinId: communeBulletin.id }, startsLocal: at(5), targets: { all: true } }, communeToken);
    expect(own.status, JSON.stringify(own.body)).toBe(201);

    // a box of Vị Tân played it: one line of proof of play
    const { edgeId } = await claimTestEdge(test, 'ap-1');
    const planned = soon.toMillis();
    await db
      .insertInto('playback')
      .values({
        event_id: 'evt_e2e_1',
        edge_id: edgeId,
        occurrence_id: `${province.body.id}:${planned}`,
        schedule_id: province.body.id,
        bulletin_id: provinceBulletin.id,
        state: 'completed',
        planned_start_at: planned,
        actual_start_at: planned + 40,
        duration_ms: 20000,
        received_at: planned + 30_000,
        hamlet_code: 'ap-1',
        commune_code: 'vi-tan',
        title: 'Chương trình toàn tỉnh',
        priority: 'normal',
      })
      .execute();

    const page = await e2e.loginAs('operator', { name: 'op-vi-tan', bypassCSP: true });
    await openSettled(page, '/radio/schedule');
    if (soon.weekday === 7 && soon.hour === 23 && soon.minute >= 45) await page.getByRole('button', { name: 'Tuần sau →' }).click(); // Sunday night: the items are next week
    const week = page.locator('#week');
    await waitForText(week, 'Chương trình toàn tỉnh');
    const provinceEntry = week.locator('li.entry.province');
    await expect(provinceEntry.textContent()).resolves.toContain('Chương trình của tỉnh · chỉ xem');
    // the province's item has no button to open it for editing; the commune's own has
    expect(await provinceEntry.getByRole('button').count()).toBe(0);
    await expect(week.getByRole('button', { name: new RegExp(`${soon.plus({ minutes: 5 }).toFormat('HH:mm')} Bản tin của xã`) }).count()).resolves.toBe(1);
    await expectAccessible(page, 'the week calendar with a province programme');
    await e2e.screenshot(page, 'radio-schedule-province');

    await Promise.all([page.waitForURL('**/radio/playback?schedule=*'), provinceEntry.getByRole('link', { name: 'Kết quả phát' }).click()]);
    const communes = page.locator('#pb-communes');
    await waitForText(communes, 'Xã Vị Tân');
    const line = (await communes.locator('tbody tr').allTextContents()).join(' | ');
    expect(line).not.toContain('Vị Thanh'); // a commune's person sees their own line only
    await waitForText(page.locator('#pb-list'), 'Chương trình toàn tỉnh');
    await openSettled(page, page.url());
    await expectAccessible(page, 'a province programme\'s proof of play');
    await e2e.screenshot(page, 'radio-playback-province');
  });

  // the second commune and the province operator of the test above
  it('lets a province operator schedule a programme for chosen communes from the form', async () => {
    const { test } = e2e;
    const bulletin = await insertBulletin(test.cloud.query, { title: 'Thông báo của tỉnh', seconds: 20 });
    const page = await e2e.loginAs('operator', { name: 'op-tinh', bypassCSP: true });
    await openSettled(page, '/radio/schedule');
    await page.getByLabel('Bản tin', { exact: true }).selectOption(bulletin.id);
    await page.getByLabel('Tiêu đề').fill('Thông báo của tỉnh cho Vị Thanh');
    const day = DateTime.now().setZone('Asia/Ho_Chi_Minh').plus({ days: 1 });
    await page.getByLabel('Ngày bắt đầu').fill(day.toFormat('yyyy-MM-dd'));
    await page.getByLabel('Giờ phát').fill('06:15');
    await page.getByLabel('Các xã được chọn').check();
    await page.getByLabel('Xã Vị Thanh').check();
    await expectAccessible(page, 'the schedule form of a province operator');
    await page.getByRole('button', { name: 'Lưu lịch phát' }).click();
    await waitForText(page.locator('#item-status'), 'Đã lưu «Thông báo của tỉnh cho Vị Thanh»');
    const { body } = await test.api('GET', `/api/v1/schedules?bulletin=${bulletin.id}`);
    expect(body.schedules).toHaveLength(1);
    expect(body.schedules[0]).toMatchObject({ communeCode: null, targets: { communes: ['vi-thanh'] } });

    // the province's proof of play, filtered by commune
    await openSettled(page, '/radio/playback');
    await page.getByLabel('Xã', { exact: true }).selectOption('vi-thanh');
    await page.getByRole('button', { name: 'Xem' }).click();
    await waitForText(page.locator('#pb-total'), /^\D*0\D*$/);
    expect(await page.locator('#pb-csv').getAttribute('href')).toContain('commune=vi-thanh');
    await page.getByLabel('Xã', { exact: true }).selectOption('vi-tan');
    await page.getByRole('button', { name: 'Xem' }).click();
    await waitForText(page.locator('#pb-list'), 'Chương trình toàn tỉnh');
    await expectAccessible(page, "the province's proof of play");
  });
});
