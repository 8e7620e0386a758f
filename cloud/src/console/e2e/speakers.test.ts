import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeDaemon } from '@smart-commune/edge';
import { startSimSpeaker, type SimSpeaker } from '../../../../firmware-sim/src/speakers/index.js';
import { provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { expectAccessible } from './accessibility.js';
import { useConsoleE2E, waitForText } from './harness.js';

/** Reloads a page until `selector` holds `text`. */
async function reloadUntil(page: Page, selector: string, text: string | RegExp, what: string): Promise<void> {
  await waitFor(async () => {
    await page.reload();
    const got = (await page.locator(selector).allTextContents()).join(' '); // no waiting for an element not there yet
    return typeof text === 'string' ? got.includes(text) : text.test(got);
  }, what, 30_000, 500);
}

describe("the loudspeakers in Chromium: an operator's volume and mute, the alarm banner, the report page", () => {
  const e2e = useConsoleE2E({ cloud: { SC_SPEAKER_ALARM_AFTER_S: 1 } });
  let edge: ProvisionedEdge;
  let speaker: SimSpeaker;
  let daemon: EdgeDaemon;

  beforeAll(async () => {
    edge = await provisionTestEdge(e2e.test, 'ap-5', 'Tủ chợ Ấp 5');
    speaker = await startSimSpeaker({});
    daemon = await startTestEdge(edge.dataDir);
    const put = await e2e.test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 2,
      radio: { speakers: [{ zone: 'loa-cho', driver: 'sim', target: speaker.target, volume: 80, statusUrl: speaker.statusUrl }] },
    });
    expect(put.status).toBe(200);
    await waitFor(async () => (await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}/speakers`)).body.zones[0]?.reported?.state === 'ok', 'the zone reported ok', 30_000);
  }, 90_000);

  afterAll(async () => {
    await daemon?.stop();
    await speaker?.close();
  });

  it('an operator sets a zone volume and mute on the Loa page; the box applies and reports them', async () => {
    const page = await e2e.loginAs('operator');
    await page.goto('/speakers');
    const row = page.locator(`tr[data-zone="${edge.edgeId}/loa-cho"]`);
    expect(await row.locator('.zone-state').textContent()).toContain('Tốt');
    await row.getByLabel('Âm lượng (0–100): loa-cho').fill('35');
    await row.getByLabel('Tắt tiếng').check();
    await row.getByRole('button', { name: 'Lưu' }).click();
    await waitForText(page.locator('#speakers-status'), 'Đã lưu vùng loa-cho: âm lượng 35, tắt tiếng.');
    const config = (await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body;
    expect(config.body.radio.speakers[0]).toMatchObject({ zone: 'loa-cho', volume: 35, muted: true });
    // the box applies it and says so in its telemetry
    await waitFor(async () => {
      const r = (await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}/speakers`)).body.zones[0]?.reported;
      return r?.volume === 35 && r?.muted === true;
    }, 'the box reports volume 35, muted', 20_000);
    await page.reload();
    expect(await row.getByLabel('Âm lượng (0–100): loa-cho').inputValue()).toBe('35');
    expect(await row.getByLabel('Tắt tiếng').isChecked()).toBe(true);
    expect(await row.locator('.zone-state').textContent()).toContain('đã tắt tiếng từ giao diện');

    // a volume out of range is refused in words (the browser's own check bypassed, as a script would)
    await row.getByLabel('Âm lượng (0–100): loa-cho').evaluate((input) => input.removeAttribute('max'));
    await row.getByLabel('Âm lượng (0–100): loa-cho').fill('120');
    await row.getByRole('button', { name: 'Lưu' }).click();
    await waitForText(page.locator('#speakers-status.error'), /volume must be 0–100/);
    expect((await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body.body.radio.speakers[0].volume).toBe(35);
  });

  it('a speaker down past the set time puts a banner on the operator and technician pages, not the police; back, it goes', async () => {
    const operator = await e2e.loginAs('operator');
    const technician = await e2e.loginAs('technician');
    const police = await e2e.loginAs('police');
    speaker.setFaults({ offline: true });
    await reloadUntil(operator, '.alarm-banner', 'Ấp 5 — Tủ chợ Ấp 5 — vùng loa-cho: Mất kết nối', 'the banner on the operator page');
    await technician.goto(`/fleet/boxes/${edge.edgeId}`);
    expect(await technician.locator('.alarm-banner').textContent()).toContain('vùng loa-cho');
    expect(await technician.locator('.alarm-banner').getAttribute('role')).toBe('alert');
    // the box page: the zone's state, not reachable, its alarm and history
    await technician.locator('body[data-loaded="true"]').waitFor();
    expect(await technician.locator('#speakers tbody').textContent()).toMatch(/Mất kết nối.*503/);
    expect(await technician.locator('#speaker-history tbody').textContent()).toContain('Mất kết nối');
    await police.goto('/police/incidents');
    expect(await police.locator('.alarm-banner').count()).toBe(0);
    await operator.goto('/speakers');
    await expectAccessibleWithoutCsp(e2e, 'operator', '/speakers');

    speaker.setFaults({ offline: false });
    await waitFor(async () => (await e2e.test.api('GET', '/api/v1/speakers/alarms')).body.alarms.length === 0, 'the alarm cleared', 30_000);
    await operator.reload();
    expect(await operator.locator('.alarm-banner').count()).toBe(0);
  }, 90_000);

  it('the monthly report page is accessible and links its CSV', async () => {
    const page = await e2e.loginAs('operator', { bypassCSP: true });
    await page.goto('/radio/report?month=2026-11');
    expect(await page.locator('h1').textContent()).toBe('Báo cáo phát thanh tháng 2026-11');
    expect(await page.getByRole('link', { name: 'Tải CSV (Excel)' }).getAttribute('href')).toBe('/api/v1/radio/reports/monthly.csv?month=2026-11');
    await expectAccessible(page, '/radio/report');
    // the month picker is a GET form: choosing another month shows it
    await page.locator('#report-month').fill('2026-10');
    await page.getByRole('button', { name: 'Xem' }).click();
    await page.waitForURL(/month=2026-10/);
    expect(await page.locator('h1').textContent()).toBe('Báo cáo phát thanh tháng 2026-10');
  });
});

/** axe-core needs its script injected: a context of its own that ignores the CSP (never the context a page script is tested in). */
async function expectAccessibleWithoutCsp(e2e: ReturnType<typeof useConsoleE2E>, role: 'operator', path: string): Promise<void> {
  const page = await e2e.loginAs(role, { bypassCSP: true });
  await page.goto(path);
  await expectAccessible(page, path);
}
