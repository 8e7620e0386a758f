import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capMessage, says } from '../../radio/testing/cap-messages.js';
import { startCapFeedServer, type CapFeedServer } from '../../radio/testing/cap-feed-server.js';
import { useConsoleE2E, waitForText } from './harness.js';

describe('CAP feeds on the emergency alert page, in Chromium', () => {
  const e2e = useConsoleE2E({ cloud: { SC_CAP_FEED_POLL_S: 0.2, SC_CAP_FEED_TIMEOUT_S: 0.5, SC_CAP_FEED_WARN_FAILURES: 3 } });
  let server: CapFeedServer;
  beforeAll(async () => {
    server = await startCapFeedServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('adds a feed, shows it working with the messages received, then warns in Vietnamese when it stops answering, until it recovers', async () => {
    const sent = Date.now();
    server.publish({
      name: 'lu',
      xml: capMessage({ identifier: 'HG-E2E-1', sender: 'kttv@haugiang.gov.vn', sent, infos: [{ language: 'vi', event: 'Lũ', headline: 'Lũ lên nhanh', ...says('Nước lên nhanh ở ấp 5.'), expires: sent + 3_600_000, areas: [{ areaDesc: 'Ấp 5, xã Vị Tân' }] }] }),
    });
    const page = await e2e.loginAs('operator');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto('/radio/alerts');
    await page.getByLabel('Tên nguồn').fill('Đài KTTV Hậu Giang');
    await page.getByLabel('Địa chỉ nguồn tin (http:// hoặc https://)').fill(server.feedUrl);
    await page.getByRole('button', { name: 'Thêm nguồn' }).click();
    expect(await waitForText(page.locator('#feed-status'), 'Đã thêm nguồn «Đài KTTV Hậu Giang»')).toBeTruthy();
    // the page follows the feed's state by itself (every 5 s)
    expect(await waitForText(page.locator('#feed-list'), '1 nhận, 0 bị từ chối', 15_000)).toContain('Hoạt động');
    expect(await page.locator('#feed-warnings').textContent()).toBe('');

    server.setFault('index', 'error');
    const warning = await waitForText(page.locator('#feed-warnings'), 'không trả lời từ', 20_000);
    expect(warning).toMatch(/^Nguồn «Đài KTTV Hậu Giang» không trả lời từ .+ \(\d+ lần liên tiếp\): cảnh báo từ nguồn này đang không đến được\. Lỗi: index: HTTP 500 Internal Server Error$/);
    expect(await page.locator('#feed-list').textContent()).toContain('Không trả lời');
    await e2e.screenshot(page, 'radio-feeds-down');

    server.setFault('index', 'none');
    await waitForText(page.locator('#feed-list'), 'Hoạt động', 20_000);
    expect(await page.locator('#feed-warnings').textContent()).toBe('');

    await page.getByRole('button', { name: 'Tắt: Đài KTTV Hậu Giang' }).click();
    expect(await waitForText(page.locator('#feed-list'), 'Đã tắt')).toBeTruthy();
    expect((await e2e.test.api('GET', '/api/v1/cap-feeds')).body.feeds[0]).toMatchObject({ enabled: false });
    await page.getByRole('button', { name: 'Xóa: Đài KTTV Hậu Giang' }).click();
    expect(await waitForText(page.locator('#feed-list'), 'Chưa có nguồn cảnh báo nào.')).toBeTruthy();
  }, 90_000);
});
