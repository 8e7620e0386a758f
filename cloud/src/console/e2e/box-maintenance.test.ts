import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgeDaemon, type EdgeDaemon } from '@smart-commune/edge';
import type { Logger } from '@smart-commune/shared/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeLogger } from '../../../../edge/src/logs/edge-logger.js';
import { patchEdgeConfig, provisionTestEdge, TEST_BACKOFF, type ProvisionedEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { startSimSpeaker, type SimSpeaker } from '../../../../firmware-sim/src/speakers/index.js';
import { useConsoleE2E, waitForText } from './harness.js';

describe('a technician diagnosing and rebooting a box from its page, in Chromium', () => {
  const e2e = useConsoleE2E();
  let edge: ProvisionedEdge;
  let daemon: EdgeDaemon;
  let logger: Logger;
  let calls: string;
  let speaker: SimSpeaker;

  beforeAll(async () => {
    edge = await provisionTestEdge(e2e.test, 'ap-5', 'Tủ Ấp 5');
    const dir = mkdtempSync(join(tmpdir(), 'sc-reboot-'));
    const script = join(dir, 'reboot.sh');
    calls = join(dir, 'calls');
    writeFileSync(script, `#!/bin/sh\necho "$@" >> "${calls}"\n`);
    chmodSync(script, 0o755);
    patchEdgeConfig(edge.dataDir, { rebootCommand: [script, 'now'] });
    logger = createEdgeLogger(edge.dataDir, { stdout: false }).logger;
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger, backoff: TEST_BACKOFF });
    await waitFor(async () => (await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'box online');
    speaker = await startSimSpeaker({});
    const config = await e2e.test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 10,
      radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
    });
    await waitFor(async () => (await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body.reported?.version === config.body.version, 'speakers configured');
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await speaker?.close();
  });

  it('runs the doctor, reads the logs as text and downloads them, and reboots only with a reason', async () => {
    logger.warn({ zone: 'loa-cho' }, 'loa <b>không</b> trả lời');
    const page = await e2e.loginAs('technician');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`/fleet/boxes/${edge.edgeId}`);
    await page.locator('body[data-loaded="true"]').waitFor();

    await page.getByRole('button', { name: 'Chạy kiểm tra' }).click();
    await waitForText(page.locator('#doctor-status'), /kiểm tra lúc/, 30_000);
    const config = page.locator('#doctor-checks tbody tr', { hasText: 'Cấu hình' });
    expect(await config.textContent()).toContain('✔ Đạt');
    expect(await config.textContent()).toContain(edge.edgeId);
    expect(await page.locator('#doctor-checks tbody tr', { hasText: 'Kết nối MQTT' }).textContent()).toContain('reachable');

    await page.getByLabel('Từ mức').selectOption('warn');
    await page.getByRole('button', { name: 'Lấy nhật ký' }).click();
    await waitForText(page.locator('#logs-status'), /dòng, lấy lúc/, 20_000);
    const view = page.locator('#log-lines-view');
    // the box's text is shown as text: the tags are characters, not elements
    expect(await view.textContent()).toContain('WARN  loa <b>không</b> trả lời {"zone":"loa-cho"}');
    expect(await view.locator('b').count()).toBe(0);
    const style = (e: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontFamily: string } }).getComputedStyle(e).fontFamily;
    expect(await view.evaluate(style)).toMatch(/mono/i);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải về tệp nhật ký' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^sc-edge-${edge.edgeId}-.*\\.log$`));
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(lines.map((l) => l.msg)).toContain('loa <b>không</b> trả lời');
    expect(lines.every((l) => l.level >= 40)).toBe(true);

    // no reason: nothing is sent
    await page.getByRole('button', { name: 'Khởi động lại tủ' }).click();
    expect(await waitForText(page.locator('#power-status'), 'Cần ghi lý do')).toContain('ít nhất 3 ký tự');
    await page.getByLabel('Lý do (bắt buộc)').fill('tủ chạy chậm sau khi mất điện');
    await page.getByRole('button', { name: 'Khởi động lại tủ' }).click();
    await waitForText(page.locator('#power-status'), 'Tủ đã nhận lệnh và đang khởi động lại.');
    expect(readFileSync(calls, 'utf8')).toBe('now\n');
    const audit = await e2e.test.api('GET', '/api/v1/audit?action=edge.reboot');
    expect(audit.body.items[0]).toMatchObject({ target: `edge:${edge.edgeId}`, details: { reason: 'tủ chạy chậm sau khi mất điện', outcome: 'done' } });
    await e2e.screenshot(page, 'fleet-box-maintenance');
  }, 90_000);

  it('is refused while an emergency alert plays, says so in Vietnamese, and goes through when forced with a reason', async () => {
    const alert = await e2e.test.api('POST', '/api/v1/alerts', { text: 'Nước lên nhanh, bà con di chuyển lên chỗ cao.', severity: 'severe', kind: 'flood', targets: { hamlets: ['ap-5'] }, expiresAt: Date.now() + 3600_000 });
    expect(alert.status, JSON.stringify(alert.body)).toBeLessThan(300);
    await waitFor(() => daemon.radio.player.status().playing?.occurrenceId.startsWith('alert:'), 'the alert playing on the box', 30_000);
    const page = await e2e.loginAs('technician');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`/fleet/boxes/${edge.edgeId}`);
    await page.locator('body[data-loaded="true"]').waitFor();
    const before = readFileSync(calls, 'utf8');

    await page.getByLabel('Lý do (bắt buộc)').fill('khởi động lại định kỳ');
    await page.getByRole('button', { name: 'Khởi động lại tủ' }).click();
    expect(await waitForText(page.locator('#power-status'), 'Tủ từ chối')).toContain('cảnh báo khẩn cấp');
    expect(readFileSync(calls, 'utf8')).toBe(before);
    // the page moves to the override, which needs the reason to say why
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe('power-force');

    await page.getByLabel('Lý do (bắt buộc)').fill('tủ treo, phải khởi động lại dù đang phát cảnh báo');
    await page.getByLabel('Vẫn thực hiện dù đang phát cảnh báo khẩn cấp').check();
    await page.getByRole('button', { name: 'Khởi động lại tủ' }).click();
    expect(await waitForText(page.locator('#power-status'), 'Tủ đã nhận lệnh')).toContain('Đã thực hiện dù đang có cảnh báo khẩn cấp');
    expect(readFileSync(calls, 'utf8')).toBe(`${before}now\n`);
    const audit = await e2e.test.api('GET', '/api/v1/audit?action=edge.reboot');
    expect(audit.body.items.slice(0, 2).map((e: { details: { outcome: string; force: boolean } }) => [e.details.outcome, e.details.force])).toEqual([['done', true], ['refused', false]]);
  }, 90_000);
});
