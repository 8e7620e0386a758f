import { connectAsync } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId, topics, type FootageBody } from '@smart-commune/shared';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { incidentEvent } from '../../incidents/testing/incident-kit.js';
import { waitFor } from '../../../../test-support/wait.js';
import { useConsoleE2E, waitForText } from './harness.js';

/** `YYYY-MM-DDTHH:MM:SS` in Vietnam time, as a datetime-local input takes it. */
const localInput = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19);
const iso = (ms: number) => new Date(ms).toISOString();

describe('police asking footage by time in Chromium', () => {
  const e2e = useConsoleE2E();
  let edge: { edgeId: string; password: string };

  beforeAll(async () => {
    edge = await claimTestEdge(e2e.test, 'ap-2', 'Tủ chợ ấp 2');
    const added = await e2e.test.api('POST', `/api/v1/edges/${edge.edgeId}/cameras`, { id: 'cong-cho', name: 'Cổng chợ', source: { kind: 'rtsp', url: 'rtsp://10.0.0.9/cam' } });
    expect(added.status).toBe(201);
  }, 30_000);

  it('sends a request for an offline box, says it waits for the box, shows the box’s plain answer, and opens the evidence item of one it held', async () => {
    const page = await e2e.loginAs('police');
    await page.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Trích xuất video theo giờ' }).click();
    await page.waitForURL('**/police/footage');

    // a range that ends before it starts is refused in words, with what was typed kept
    const now = Date.now();
    await page.getByLabel('Camera').selectOption(`${edge.edgeId}/cong-cho`);
    await page.getByLabel('Từ lúc').fill(localInput(now - 60_000));
    await page.getByLabel('Đến lúc').fill(localInput(now - 120_000));
    await page.getByLabel('Lý do (ghi vào nhật ký)').fill('Mất trộm xe máy trước cổng chợ');
    await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
    await waitForText(page.getByRole('alert'), 'Thời điểm kết thúc phải sau thời điểm bắt đầu');
    expect(await page.getByLabel('Lý do (ghi vào nhật ký)').inputValue()).toBe('Mất trộm xe máy trước cổng chợ');

    const fromMs = Math.floor((now - 20 * 60_000) / 1000) * 1000;
    const toMs = fromMs + 10 * 60_000;
    await page.getByLabel('Từ lúc').fill(localInput(fromMs));
    await page.getByLabel('Đến lúc').fill(localInput(toMs));
    await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
    await page.waitForURL('**/police/footage?sent=1');
    await waitForText(page.getByRole('status'), 'Đã gửi yêu cầu');
    const item = page.locator('#footage-requests li').first();
    await waitForText(item, 'Đang chờ hộp kết nối lại');
    await e2e.screenshot(page, 'police-footage-waiting');
    const requestId = (await item.getAttribute('data-id'))!;

    // the request waits in the box's retained document: the box finds it when it connects
    const box = await connectAsync(e2e.test.cloud.mqttUrl, { protocolVersion: 4, clientId: edge.edgeId, username: edge.edgeId, password: edge.password, reconnectPeriod: 0 });
    try {
      const documents: FootageBody[] = [];
      box.on('message', (_topic, payload) => documents.push(JSON.parse(payload.toString()).body));
      await box.subscribeAsync(topics.desired(edge.edgeId, 'footage'), { qos: 1 });
      await waitFor(() => documents.length > 0, 'the retained footage document');
      expect(documents[0]!.requests).toEqual([{ id: requestId, cameraId: 'cong-cho', fromMs, toMs }]);

      // the box no longer holds the range: the page says so, and what it does hold
      const held = { fromMs: toMs + 60_000, toMs: now };
      const answer = { requestId, outcome: 'unavailable', incidentId: null, missing: [{ fromMs, toMs }], held };
      await box.publishAsync(topics.event(edge.edgeId, 'footage'), JSON.stringify({ eventId: newId('evt', 16), ts: Date.now(), body: answer }), { qos: 1 });
      await waitFor(() => documents.length > 1, 'the document without the answered request');
      expect(documents.at(-1)!.requests).toEqual([]);

      // a second request the box holds: its evidence item, then its answer
      const second = await e2e.test.api('POST', `/api/v1/cameras/${edge.edgeId}/cong-cho/footage-requests`, { from: iso(now - 5 * 60_000), to: iso(now - 4 * 60_000), reason: 'Đối chiếu lời khai' });
      expect(second.status).toBe(202);
      const item = incidentEvent({ cameraId: 'cong-cho', ruleId: 'footage', zoneId: null, label: 'footage', score: 1, trackId: 0, startedAt: now - 5 * 60_000, detectedAt: now - 5 * 60_000 });
      await box.publishAsync(topics.event(edge.edgeId, 'incident'), JSON.stringify({ eventId: newId('evt', 16), ts: Date.now(), body: item }), { qos: 1 });
      const done = { requestId: second.body.id, outcome: 'done', incidentId: item.incidentId, missing: [], held: { fromMs: now - 10 * 60_000, toMs: now } };
      await box.publishAsync(topics.event(edge.edgeId, 'footage'), JSON.stringify({ eventId: newId('evt', 16), ts: Date.now(), body: done }), { qos: 1 });
      await waitFor(async () => (await e2e.test.api('GET', `/api/v1/footage-requests/${second.body.id}`)).body.state === 'done', 'the second request answered');
      await page.reload();
      const ready = page.locator(`#footage-requests li[data-id="${second.body.id}"]`);
      await waitForText(ready, 'Đã có video');
      await ready.getByRole('link', { name: 'Mở sự việc' }).click();
      await page.waitForURL(`**/police/incidents/${item.incidentId}`);
      expect(await page.locator('h1').textContent()).toContain('video trích xuất theo giờ');
      await page.goBack();
    } finally {
      await box.endAsync();
    }
    await page.reload();
    const first = page.locator(`#footage-requests li[data-id="${requestId}"]`);
    await waitForText(first, 'Hộp không còn giữ đoạn này');
    expect(await first.locator('a').count()).toBe(0); // no evidence item to open
    expect(await first.textContent()).toContain('Không có bản ghi:');
    expect(await first.textContent()).toContain('Hộp đang giữ bản ghi từ');
    await e2e.screenshot(page, 'police-footage-unavailable');
  }, 60_000);
});
