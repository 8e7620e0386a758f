import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { testTelemetry } from '../../../../test-support/telemetry.js';
import { waitFor } from '../../../../test-support/wait.js';
import { announce, CLIP, connectIncidentEdge, incidentEvent, SNAPSHOT, type IncidentEdge } from '../../incidents/testing/incident-kit.js';
import { FLOOD, SNAPSHOT_2, twoPeople } from '../../incidents/testing/review-item-kit.js';
import { useConsoleE2E, waitForText } from './harness.js';

/** The second part of the clip: other bytes (so another hash) that still play. */
const CLIP_2 = Buffer.concat([CLIP, Buffer.alloc(16)]);

describe('review items in Chromium: the queue, the item page, the timeline seeking the clip, flood warnings', () => {
  const e2e = useConsoleE2E();
  let edge: IncidentEdge;
  const at = Date.now() - 120_000;
  const base = twoPeople();
  // two parts of 20 s: the first from at − 7 s, the second from at + 13 s
  const item = twoPeople({
    detectedAt: at,
    startedAt: at - 4000,
    state: 'closed',
    endedAt: at + 30_000,
    objects: base.objects!.map((o, n) => ({ ...o, firstSeenAt: at - 4000 + n * 6000, lastSeenAt: at + 25_000 })),
    timeline: [
      { at: at - 4000, trackId: 3, label: 'person', kind: 'entered', zoneId: 'san' },
      { at: at + 2000, trackId: 4, label: 'motorcycle', kind: 'entered' },
      { at: at + 15_000, trackId: 3, label: 'person', kind: 'stationary', zoneId: 'san' },
      { at: at + 25_000, trackId: 4, label: 'motorcycle', kind: 'left' },
    ],
    clipParts: [
      { index: 0, startMs: at - 7000, durationMs: 20_000, ...announce(CLIP) },
      { index: 1, startMs: at + 13_000, durationMs: 20_000, ...announce(CLIP_2) },
    ],
  });
  const detection = incidentEvent({ severity: 'detection', label: 'dog', trackId: 12, ruleId: 'cho-ban-ngay' });

  beforeAll(async () => {
    edge = await connectIncidentEdge(e2e.test, 'ap-1');
    // the camera, so its fleet page has something to show
    const camera = { id: 'cong-truong', name: 'Cổng trường', source: { kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/cam' }, rules: [{ id: 'dem-nguoi', name: 'Người ban đêm', classes: ['person'] }] };
    expect((await e2e.test.api('POST', `/api/v1/edges/${edge.edgeId}/cameras`, camera)).status).toBe(201);
    // as a box sends them: the item's events over MQTT, its files over HTTP with their hashes
    await edge.publish(item);
    await edge.publish(detection);
    expect((await edge.upload(item.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect((await edge.upload(item.incidentId, 'snapshot', SNAPSHOT_2, { ref: { trackId: 4 } })).status).toBe(201);
    expect((await edge.upload(item.incidentId, 'clip', CLIP, { ref: { part: 0 } })).status).toBe(201);
    expect((await edge.upload(item.incidentId, 'clip', CLIP_2, { ref: { part: 1 } })).status).toBe(201);
    const telemetry = { ...testTelemetry(), cameras: [{ id: 'cong-truong', status: 'streaming' as const, fps: 5, lastFrameAt: Date.now(), itemsLastHour: 75, flood: FLOOD }] };
    await e2e.test.cloud.broker.publish(topics.telemetry(edge.edgeId), JSON.stringify(telemetry), { qos: 1, retain: false });
    await waitFor(async () => (await e2e.test.cloud.fleet.edges.get(edge.edgeId)).telemetry?.cameras?.[0]?.flood, 'flood telemetry stored');
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
  });

  it('lists the item under alerts and not the detection, warns of the flood, and the item page seeks its clip from the timeline', async () => {
    const page = await e2e.loginAs('police');
    await page.goto('/police/incidents');
    const row = page.locator(`li.queue-item[data-incident="${item.incidentId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('2 đối tượng: 1 xe máy, 1 người');
    expect(await page.locator(`li.queue-item[data-incident="${detection.incidentId}"]`).count()).toBe(0);
    const flood = page.getByRole('region', { name: /Camera báo quá nhiều sự việc/ });
    expect(await flood.isVisible()).toBe(true);
    expect(await flood.textContent()).toContain('Cổng trường (cong-truong) · Ấp 1');
    expect(await flood.textContent()).toContain('75 sự việc trong một giờ qua (giới hạn 60)');

    await page.getByRole('navigation', { name: 'Mức độ' }).getByRole('link', { name: 'Phát hiện' }).click();
    await page.waitForURL('**/police/incidents?severity=detection');
    await page.locator(`li.queue-item[data-incident="${detection.incidentId}"]`).waitFor();
    expect(await page.locator(`li.queue-item[data-incident="${item.incidentId}"]`).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Mức độ' }).getByRole('link', { name: 'Cảnh báo' }).click();
    await page.waitForURL((url) => url.pathname === '/police/incidents' && !url.search.includes('severity'));
    await e2e.screenshot(page, 'police-items-queue');

    await row.locator('a.thumb').click();
    await page.waitForURL(`**/police/incidents/${item.incidentId}`);
    // both objects, each with its own picture loaded
    for (const name of ['Ảnh rõ nhất của người số 3', 'Ảnh rõ nhất của xe máy số 4']) {
      const img = page.getByRole('img', { name });
      await img.waitFor();
      await waitFor(() => page.evaluate(`[...document.querySelectorAll('img')].some((i) => i.alt === ${JSON.stringify(name)} && i.naturalWidth > 0)`), `${name} loaded`);
    }
    // strings, as the cloud's TypeScript has no DOM types
    const clipTime = () => page.evaluate(`(() => { const v = document.getElementById('clip'); return { part: v.dataset.part, time: v.currentTime }; })()`) as Promise<{ part: string; time: number }>;
    const seekTo = async (text: RegExp, part: string, seconds: number) => {
      await page.getByRole('button', { name: text }).click();
      await waitFor(async () => {
        const now = await clipTime();
        return now.part === part && Math.abs(now.time - seconds) < 0.6;
      }, `clip at part ${part}, ${seconds} s`, 15_000);
    };
    // clip time = entry time − the part's start: 2 s after detection is 9 s into part 0
    await seekTo(/xe máy số 4 đi vào/, '0', 9);
    await seekTo(/người số 3 đi vào/, '0', 3);
    // 15 s after detection is in the second part, 2 s in
    await seekTo(/người số 3 đứng yên/, '1', 2);
    await e2e.screenshot(page, 'police-item');

    // a part plays from its start, and the first part ends into the second
    await page.getByRole('button', { name: /^Phần 1\/2/ }).click();
    await waitFor(async () => (await clipTime()).part === '0', 'back on part 0');
    await waitFor(async () => ((await page.evaluate(`document.getElementById('clip').readyState`)) as number) >= 1, 'part 0 metadata');
    await page.evaluate(`(async () => { const v = document.getElementById('clip'); v.muted = true; v.currentTime = Math.max(0, v.duration - 0.5); await v.play(); })()`);
    await waitFor(async () => (await clipTime()).part === '1', 'the second part follows the first', 15_000);
  });

  it('shows the flood warning on the fleet camera page with the fix and a way to the rules', async () => {
    const page = await e2e.loginAs('technician');
    await page.goto(`/fleet/boxes/${edge.edgeId}/cameras/cong-truong`);
    const flood = page.getByRole('region', { name: /Camera báo quá nhiều sự việc/ });
    await flood.waitFor();
    await waitForText(flood, 'Che vùng cây lay động');
    expect(await flood.textContent()).toContain('75 sự việc trong một giờ qua (giới hạn 60');
    expect(await flood.textContent()).toContain('(che vùng không cần theo dõi, quy tắc dem-nguoi, đối tượng người)');
    await flood.getByRole('link', { name: 'Đến phần quy tắc của camera' }).click();
    await page.waitForURL('**#rules-heading');
    await e2e.screenshot(page, 'fleet-camera-flood');

    await page.goto(`/fleet/boxes/${edge.edgeId}`);
    await waitForText(page.locator('#cameras'), 'Quá nhiều sự việc: 75 trong 1 giờ (giới hạn 60)');
  });

  it('keeps an ongoing item up to date: a part written while it is open joins the list and the sequence', async () => {
    const start = Date.now() - 30_000;
    const open = twoPeople({ detectedAt: start, startedAt: start - 2000, clipParts: [{ index: 0, startMs: start - 7000, durationMs: 20_000, ...announce(CLIP) }] });
    await edge.publish(open);
    expect((await edge.upload(open.incidentId, 'clip', CLIP, { ref: { part: 0 } })).status).toBe(201);
    const page = await e2e.loginAs('police');
    await page.goto(`/police/incidents/${open.incidentId}`);
    expect(await page.locator('#item-open').isVisible()).toBe(true);
    expect(await page.locator('button.play-part').count()).toBe(1);

    // the box writes the second part and, later, closes the item
    await edge.publish({ ...open, clipParts: [...open.clipParts!, { index: 1, startMs: start + 13_000, durationMs: 20_000, ...announce(CLIP_2) }] });
    expect((await edge.upload(open.incidentId, 'clip', CLIP_2, { ref: { part: 1 } })).status).toBe(201);
    await page.getByRole('button', { name: /^Phần 2\/2/ }).waitFor({ timeout: 15_000 });
    await edge.publish({ ...open, state: 'closed', endedAt: start + 33_000, clipParts: [...open.clipParts!, { index: 1, startMs: start + 13_000, durationMs: 20_000, ...announce(CLIP_2) }] });
    await page.locator('#item-updated').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#item-open').isVisible()).toBe(false);
    // the new part plays from the list without reloading the page
    await page.getByRole('button', { name: /^Phần 2\/2/ }).click();
    await waitFor(async () => (await page.evaluate(`document.getElementById('clip').dataset.part`)) === '1', 'part 2 in the player');
  });
});
