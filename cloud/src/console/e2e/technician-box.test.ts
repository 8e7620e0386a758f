import { startEdgeDaemon, type EdgeDaemon } from '@smart-commune/edge';
import { silentLogger } from '@smart-commune/shared/runtime';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP, MODEL_DIR } from '../../../../edge/src/vision/testing/media.js';
import { startSimCamera, type SimCamera } from '../../../../firmware-sim/src/cameras/index.js';
import { startSimSpeaker, type SimSpeaker } from '../../../../firmware-sim/src/speakers/index.js';
import { patchEdgeConfig, provisionTestEdge, TEST_BACKOFF, type ProvisionedEdge } from '../../../../test-support/edge.js';
import { freePort } from '../../../../test-support/ports.js';
import { waitFor } from '../../../../test-support/wait.js';
import { useConsoleE2E, waitForText } from './harness.js';

const LIVE_VIEW_PASSWORD = 'xem-truc-tiep-ap-4';

/** Reloads the box page until `fact` shows `text`. */
async function waitForFact(page: Page, fact: string, text: string): Promise<void> {
  await waitFor(async () => {
    await page.reload();
    await page.locator('body[data-loaded="true"]').waitFor();
    return (await page.locator(`[data-fill="${fact}"]`).textContent()) === text;
  }, `${fact}: ${text}`, 30_000, 500);
}

describe('technician tending a running box in Chromium', () => {
  const e2e = useConsoleE2E();
  let edge: ProvisionedEdge;
  let speaker: SimSpeaker;
  let camera: SimCamera;
  let daemon: EdgeDaemon;
  const edgeApi = () => `/api/v1/edges/${edge.edgeId}`;

  beforeAll(async () => {
    edge = await provisionTestEdge(e2e.test, 'ap-4', 'Tủ Ấp 4');
    // the box's live view on the cabinet LAN (here loopback), behind its password
    patchEdgeConfig(edge.dataDir, { liveView: { host: '127.0.0.1', port: await freePort(), password: LIVE_VIEW_PASSWORD, width: 640 } });
    speaker = await startSimSpeaker({});
    // a camera on another subnet in real life: multicast does not reach it, a probe to its address does
    camera = await startSimCamera({ name: 'Cổng UBND', hamlet: 'ap-4', username: 'admin', password: 'ubnd-vi-tan', clip: CLIP, ports: { multicast: null } });
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, modelDir: MODEL_DIR });
    const speakers = await e2e.test.api('PUT', `${edgeApi()}/config`, {
      telemetryIntervalS: 2,
      radio: { speakers: [{ zone: 'loa-cong', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
    });
    expect(speakers.status).toBe(200);
    await waitFor(async () => (await e2e.test.api('GET', `${edgeApi()}/config`)).body.reported?.version === speakers.body.version, 'speakers configured', 30_000);
  }, 90_000);

  afterAll(async () => {
    await daemon?.stop();
    await camera?.stop();
    await speaker?.close();
  });

  it('plays a test tone on the hamlet loudspeaker, finds a camera by its address, adopts it and sees it stream', async () => {
    const page = await e2e.loginAs('technician');
    await page.goto(`/fleet/boxes/${edge.edgeId}`);
    await page.locator('body[data-loaded="true"]').waitFor();
    expect(await page.locator('#speakers tbody').textContent()).toContain('loa-cong');
    // its health, as the box reports it in telemetry (polled every 5 s, sent every 2 s)
    await waitFor(async () => (await e2e.test.api('GET', edgeApi())).body.telemetry?.speakers?.[0]?.state === 'ok', 'speaker health in telemetry', 20_000);
    await page.reload();
    await page.locator('body[data-loaded="true"]').waitFor();
    expect(await page.locator('#speakers tbody td.speaker-health').textContent()).toBe('Tốt');

    const heardBefore = speaker.status().items.length;
    await page.getByLabel('Thời lượng (giây)').fill('1');
    await page.getByRole('button', { name: 'Phát âm thử' }).click();
    expect(await waitForText(page.locator('#box-status'), 'Đang phát âm thử trên: loa-cong.')).toBeTruthy();
    const tone = await waitFor(() => speaker.status().items.slice(heardBefore).find((i) => i.firstSampleAt !== null), 'the tone on the loudspeaker');
    expect(tone.firstSampleAt).toBeGreaterThan(0);

    // a wrong address is refused with the field named; the right one finds the camera
    await page.getByLabel('Địa chỉ camera (không bắt buộc)').fill('192.168.1.64:99999');
    await page.getByRole('button', { name: 'Dò tìm camera' }).click();
    expect(await waitForText(page.locator('#discovered-status'), 'addresses')).toContain('65535');
    await page.getByLabel('Địa chỉ camera (không bắt buộc)').fill(`127.0.0.1:${camera.discoveryPort}`);
    await page.getByRole('button', { name: 'Dò tìm camera' }).click();
    const found = page.locator('#discovered tbody tr', { hasText: 'Cổng UBND' });
    await found.waitFor({ timeout: 20_000 });
    expect(await found.textContent()).toContain(camera.onvifUrl);
    await e2e.screenshot(page, 'technician-discovered-camera');

    await found.getByLabel('Mã camera').fill('cong-ubnd');
    await found.getByLabel('Tên đăng nhập camera').fill('admin');
    await found.getByLabel('Mật khẩu camera').fill('ubnd-vi-tan');
    await found.getByRole('button', { name: 'Thêm vào tủ' }).click();
    await waitForText(page.locator('#discovered tbody'), 'Đã thêm: cong-ubnd');
    const row = page.locator('#cameras tbody tr', { hasText: 'cong-ubnd' });
    await row.waitFor();
    await waitFor(async () => {
      await page.reload();
      await page.locator('body[data-loaded="true"]').waitFor();
      return /Đang nhận hình/.test((await row.textContent()) ?? '');
    }, 'the adopted camera streaming', 40_000, 500);
    const stored = await e2e.test.api('GET', `${edgeApi()}/cameras/cong-ubnd`);
    expect(stored.body.source).toEqual({ kind: 'onvif', xaddr: camera.onvifUrl, username: 'admin', hasPassword: true });
    await e2e.screenshot(page, 'technician-box-camera-streaming');
  }, 120_000);

  it("shows the camera's current picture from the box and opens its live view on the box's LAN", async () => {
    const page = await e2e.loginAs('technician');
    await page.goto(`/fleet/boxes/${edge.edgeId}/cameras/cong-ubnd`);
    await page.locator('body[data-loaded="true"]').waitFor();
    const picture = page.locator('#snapshot');
    await waitFor(() => picture.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0), 'the snapshot loaded', 30_000, 200);
    // the camera's own aspect ratio (the clip is 768x576), as the box decoded it
    expect(await picture.evaluate((img: { naturalWidth: number; naturalHeight: number }) => img.naturalWidth / img.naturalHeight)).toBeCloseTo(768 / 576, 2);

    const liveLink = page.getByRole('link', { name: /^Xem trực tiếp tại 127\.0\.0\.1:\d+$/ });
    await liveLink.waitFor();
    await e2e.screenshot(page, 'technician-camera-page');
    const [live] = await Promise.all([page.context().waitForEvent('page'), liveLink.click()]);
    await live.getByLabel('Mật khẩu xem trực tiếp của tủ').fill(LIVE_VIEW_PASSWORD);
    let streamBytes = 0;
    live.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => (streamBytes += typeof payload === 'string' ? payload.length : payload.byteLength)));
    await live.keyboard.press('Enter');
    await live.waitForURL('**/cameras/cong-ubnd');
    await live.locator('canvas').waitFor();
    // MPEG-1 over the websocket: a few seconds of a 640-wide picture is far more than 50 kB
    await waitFor(() => streamBytes > 50_000, 'video over the live view websocket', 30_000, 200);
    await e2e.screenshot(live, 'technician-live-view');
    await live.close();
  }, 90_000);

  it('rotates the box credentials while it is online, then revokes the box', async () => {
    const page = await e2e.loginAs('technician');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`/fleet/boxes/${edge.edgeId}`);
    await page.locator('body[data-loaded="true"]').waitFor();
    const reconnectsBefore = daemon.link.reconnects;

    await page.getByRole('button', { name: 'Đổi mật khẩu thiết bị' }).click();
    await waitForText(page.locator('#box-status'), 'Tủ đã nhận mật khẩu mới.');
    await waitFor(() => daemon.link.connected && daemon.link.reconnects > reconnectsBefore, 'the box back with its new secret', 30_000);
    await waitForFact(page, 'connection', 'Trực tuyến');

    await page.getByRole('button', { name: 'Thu hồi tủ' }).click();
    await waitForText(page.locator('#box-status'), 'Đã thu hồi tủ.');
    expect(await page.locator('[data-fill="status"]').textContent()).toBe('Đã thu hồi');
    await waitFor(() => daemon.link.getStatus().state === 'refused', 'the box sees its credentials refused', 30_000);
    await waitForFact(page, 'connection', 'Mất kết nối');
    await e2e.screenshot(page, 'technician-box-revoked');
    // both changes are on the record, under the technician's name
    const changes = await e2e.test.api('GET', '/api/v1/audit?actor=technician-e2e&action=api.change');
    const paths = (changes.body.items as { target: string }[]).map((entry) => entry.target);
    expect(paths).toEqual(expect.arrayContaining([`${edgeApi()}/rotate`, `${edgeApi()}/revoke`]));
  }, 90_000);
});
