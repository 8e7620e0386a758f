import { describe, expect, it } from 'vitest';
import { capMessage } from '../../radio/testing/cap-messages.js';
import { useConsoleE2E, waitForText } from './harness.js';

const HOUR = 3_600_000;

describe('held CAP alerts in Chromium', () => {
  const e2e = useConsoleE2E();

  /** What a CAP feed hands the cloud: an English message from a sender not on the list, for an area it cannot place. */
  const fromFeed = (identifier: string, headline: string) =>
    e2e.test.cloud.radio.alerts.receiveCap(
      capMessage({
        identifier,
        sent: Date.now(),
        infos: [{ language: 'en-US', event: 'Flood', headline, eas: 'The Xa No canal is rising fast. Move valuables to higher ground.', expires: Date.now() + 4 * HOUR, areas: [{ areaDesc: 'Low-lying areas along the Xa No canal' }] }],
      }),
      null,
      { source: { kind: 'feed', feedId: 'kttv-hg' } },
    );

  it('shows why a message waits and its original text; the operator picks the hamlets, writes the Vietnamese words and confirms, or rejects', async () => {
    const held = await fromFeed('KTTV-E2E-1', 'Flood warning for the Xa No canal');
    const other = await fromFeed('KTTV-E2E-2', 'Heat advisory');
    expect([held.kind, other.kind]).toEqual(['held', 'held']);
    const page = await e2e.loginAs('operator');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto('/radio/alerts');

    const item = page.locator('#held-list article').filter({ hasText: 'Flood warning for the Xa No canal' });
    const shown = await waitForText(item, 'Lý do chờ:');
    expect(shown).toContain('không xác định được vùng cảnh báo thuộc ấp nào; tin không có bản tiếng Việt; nơi gửi chưa có trong danh sách tin cậy');
    expect(shown).toContain('Vùng trong tin: Low-lying areas along the Xa No canal');
    expect(await item.locator('blockquote').textContent()).toBe('The Xa No canal is rising fast. Move valuables to higher ground.');
    await e2e.screenshot(page, 'radio-held-alert');

    // nothing chosen yet: the page asks for hamlets before anything is sent
    await item.getByRole('button', { name: 'Xác nhận và phát' }).click();
    expect(await waitForText(page.locator('#held-status'), 'Hãy chọn ít nhất một ấp.')).toBeTruthy();
    await item.getByLabel('Ấp 5', { exact: true }).check();
    await item.getByLabel('Ấp 6', { exact: true }).check();
    const words = 'Nước kênh Xà No đang lên nhanh. Bà con ấp 5 và ấp 6 kê cao đồ đạc, không cho trẻ em ra bờ kênh.';
    await item.getByLabel('Lời đọc tiếng Việt (sẽ được đọc lên)').fill(words);
    await item.getByRole('button', { name: 'Xác nhận và phát' }).click();
    expect(await waitForText(page.locator('#held-status'), 'Đã xác nhận. Cảnh báo phát lúc', 60_000)).toContain('Ấp 5, Ấp 6');
    const [alert] = (await e2e.test.api('GET', '/api/v1/alerts')).body.alerts;
    expect(alert).toMatchObject({ text: words, title: 'Nước kênh Xà No đang lên nhanh.', origin: 'cap', capIdentifier: 'KTTV-E2E-1', targets: { all: false, hamlets: ['ap-5', 'ap-6'] }, status: 'active' });
    expect(await waitForText(page.locator('#alert-list'), words.slice(0, 20), 15_000)).toContain('Ấp 5');

    const rest = page.locator('#held-list article').filter({ hasText: 'Heat advisory' });
    await rest.getByRole('button', { name: 'Từ chối' }).click();
    expect(await waitForText(page.locator('#held-status'), 'Đã từ chối tin «Heat advisory».')).toBeTruthy();
    expect(await waitForText(page.locator('#held-list'), 'Không có tin nào chờ xác nhận.')).toBeTruthy();
    const decided = (await e2e.test.api('GET', '/api/v1/alerts/held?status=rejected')).body.held;
    expect(decided.map((h: { capIdentifier: string }) => h.capIdentifier)).toEqual(['KTTV-E2E-2']);
    const audit = (await e2e.test.api('GET', '/api/v1/audit?action=alert.held_confirmed')).body;
    expect(JSON.stringify(audit)).toContain('operator-e2e');
  });
});
