import { CONTRACT_VERSION } from '@smart-commune/shared';
import type { ScheduleBody } from '@smart-commune/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeDaemon } from '@smart-commune/edge';
import { provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { expectAccessible } from './accessibility.js';
import { useConsoleE2E, waitForText } from './harness.js';

describe("a technician sees what a box of another version left out, in Chromium", () => {
  const e2e = useConsoleE2E();
  let edge: ProvisionedEdge;
  let daemon: EdgeDaemon;

  beforeAll(async () => {
    edge = await provisionTestEdge(e2e.test, 'ap-3', 'Tủ Ấp 3');
    daemon = await startTestEdge(edge.dataDir);
    await waitFor(async () => (await e2e.test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.contract, 'the box announced its contract', 20_000);
  }, 60_000);
  afterAll(async () => {
    await daemon?.stop();
  });

  it('shows both contracts and a plan item the box ignored, with its title, in Vietnamese', async () => {
    // a newer cloud's plan: one item of a source kind this box does not know
    const plan = {
      windowStart: Date.now() - 60_000,
      windowEnd: Date.now() + 3_600_000,
      items: [{
        occurrenceId: 'sch_relay0001:1', scheduleId: 'sch_relay0001', bulletinId: null, title: 'Tiếp sóng VOV1',
        source: { kind: 'relay', stationId: 'vov1' }, startAt: Date.now() + 600_000, durationMs: 60_000, priority: 'normal', volume: 100, zones: null,
      }],
    } as unknown as ScheduleBody;
    const sent = await e2e.test.cloud.fleet.documents.set(edge.edgeId, 'schedule', plan);
    await waitFor(async () => (await e2e.test.cloud.fleet.documents.get(edge.edgeId, 'schedule'))?.reported?.version === sent.version, 'the box reported the plan');

    const page = await e2e.loginAs('technician', { bypassCSP: true });
    await page.goto(`/fleet/boxes/${edge.edgeId}`);
    await page.locator('#compat-parts[data-loaded="true"]').waitFor();
    expect(await page.locator('#compat-heading').textContent()).toBe('Tương thích phiên bản');
    expect(await page.locator('[data-compat="box"]').textContent()).toBe(`bản ${CONTRACT_VERSION}`); // the box of this tree speaks this revision
    expect(await page.locator('[data-compat="missing"]').textContent()).toBe('không thiếu gì');
    const row = await waitForText(page.locator('#compat-parts tbody tr.ignored'), 'Tiếp sóng VOV1');
    expect(row).toContain('Lịch phát');
    expect(row).toContain('Tủ bỏ qua');
    expect(row).toContain('body.items.0.source.kind = "relay"');
    expect(row).toContain('bỏ mục này');
    await expectAccessible(page, 'the box page with an ignored plan item');
    await e2e.screenshot(page, 'fleet-box-compat');
  }, 60_000);
});
