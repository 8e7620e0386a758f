import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { startIcecast, startWebPage, type Feeder, type IcecastServer } from '../../radio/testing/station-servers.js';
import { expectAccessible } from './accessibility.js';
import { useConsoleE2E, waitForText } from './harness.js';

describe('station relays page (tiếp sóng), in Chromium', () => {
  const e2e = useConsoleE2E({ cloud: { SC_RELAY_RECONNECT_FIRST_S: 0.2, SC_RELAY_RECONNECT_MAX_S: 1, SC_RELAY_STALL_S: 4, SC_RELAY_PREBUFFER_MS: 200 } });
  let icecast: IcecastServer;
  let feeder: Feeder;
  beforeAll(async () => {
    icecast = await startIcecast();
    feeder = await icecast.feed('vov1.mp3', 440);
  });
  afterAll(async () => {
    await feeder?.stop();
    await icecast?.stop();
  });

  it('adds a station after checking it, relays it to Ấp 1 with its state, stops it, and schedules a window', async () => {
    await claimTestEdge(e2e.test, 'ap-1');
    const web = await startWebPage();
    const page = await e2e.loginAs('operator', { bypassCSP: true });
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await page.goto('/radio/stations');
      await page.getByRole('link', { name: 'Tiếp sóng' }).waitFor();
      // a web page is not a station: said in Vietnamese
      await page.getByLabel('Địa chỉ luồng (Icecast/HTTP MP3, AAC hoặc HLS .m3u8)').fill(web.url);
      await page.getByRole('button', { name: 'Kiểm tra', exact: true }).click();
      expect(await waitForText(page.locator('#station-status'), 'không phải luồng âm thanh')).toMatch(/^Địa chỉ chính: Địa chỉ này trả lời nhưng không phải luồng âm thanh phát được/);

      await page.getByLabel('Tên đài').fill('VOV1');
      await page.getByLabel('Địa chỉ luồng (Icecast/HTTP MP3, AAC hoặc HLS .m3u8)').fill(icecast.url('vov1.mp3'));
      await page.getByRole('button', { name: 'Kiểm tra', exact: true }).click();
      expect(await waitForText(page.locator('#station-status'), 'phát được:')).toBe('Địa chỉ chính: Luồng âm thanh phát được: HTTP/Icecast, MP3, 44100 Hz, đơn kênh, 64 kbit/s.');
      await page.getByRole('button', { name: 'Lưu đài' }).click();
      expect(await waitForText(page.locator('#station-status'), 'Đã lưu đài')).toBe('Đã lưu đài «VOV1».');
      await waitForText(page.locator('#station-list'), 'VOV1');

      const relayForm = page.getByRole('region', { name: 'Tiếp sóng ngay' });
      await relayForm.getByLabel('Đài').selectOption({ label: 'VOV1' });
      await relayForm.getByLabel('Các ấp được chọn').check();
      await relayForm.getByLabel('Ấp 1', { exact: true }).check();
      await relayForm.getByRole('button', { name: 'Bắt đầu tiếp sóng' }).click();
      expect(await waitForText(page.locator('#relay-status'), 'Đang tiếp sóng «VOV1».', 20_000)).toBeTruthy();
      const card = await waitForText(page.locator('#on-air'), 'Đang nhận sóng', 15_000);
      expect(card).toContain('Ấp 1: chưa báo');
      expect(card).toContain('Cho tới khi dừng');
      await expectAccessible(page, 'operator: a station on air');
      await e2e.screenshot(page, 'radio-stations-on-air');

      await page.getByRole('button', { name: 'Dừng: VOV1' }).click();
      expect(await waitForText(page.locator('#relay-status'), 'Đã dừng tiếp sóng')).toBe('Đã dừng tiếp sóng «VOV1».');
      expect(await waitForText(page.locator('#on-air'), 'Không có đài nào đang được tiếp sóng.')).toBeTruthy();
      expect(await waitForText(page.locator('#relay-history'), 'Đã dừng tay')).toContain(`${icecast.url('vov1.mp3')} (chính,`);

      const windowForm = page.getByRole('region', { name: 'Lịch tiếp sóng' });
      await windowForm.getByLabel('Đài').selectOption({ label: 'VOV1' });
      await windowForm.getByLabel('Tên chương trình').fill('Thời sự VOV1 buổi sáng');
      await windowForm.getByLabel('Giờ bắt đầu').fill('06:00');
      await windowForm.getByLabel('Thời lượng (phút)').fill('30');
      await windowForm.getByLabel('Hằng ngày').check();
      await windowForm.getByRole('button', { name: 'Lưu lịch tiếp sóng' }).click();
      expect(await waitForText(page.locator('#window-list'), 'Thời sự VOV1 buổi sáng')).toMatch(/Thời sự VOV1 buổi sáng — VOV1, 30:00, Tất cả các ấp\. Lần tới: /);
      const schedules = (await e2e.test.api('GET', '/api/v1/schedules')).body.schedules;
      expect(schedules).toHaveLength(1);
      expect(schedules[0]).toMatchObject({ source: { kind: 'station' }, durationMs: 1_800_000, rrule: 'FREQ=DAILY', targets: { all: true } });
    } finally {
      await web.stop();
    }
  }, 120_000);
});
