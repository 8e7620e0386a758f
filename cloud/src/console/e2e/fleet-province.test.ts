import { describe, expect, it, beforeAll } from 'vitest';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { expectAccessible, openSettled } from './accessibility.js';
import { useConsoleE2E, waitForExpression } from './harness.js';
import { insertCommune } from '../../../../test-support/places.js';

/**
 * Issue 10 in Chromium: "Ấp và tủ" for a province-level person shows every commune's hamlets, one
 * plan per commune, with a commune filter that works without the page script's help; the page
 * passes axe-core's WCAG 2 A/AA rules with several plans on it.
 */
describe("a province-level person's hamlets and boxes", () => {
  const e2e = useConsoleE2E();
  let boxVt: string;

  beforeAll(async () => {
    await insertCommune(e2e.test.cloud.query, { code: 'vi-thanh', name: 'Xã Vị Thanh', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang' }, [
      { code: 'vt-1', name: 'Ấp Vị Thanh 1', position: 0 },
      { code: 'vt-2', name: 'Ấp Vị Thanh 2', position: 1 },
    ]);
    boxVt = (await claimTestEdge(e2e.test, 'vt-1', 'Tủ Vị Thanh 1')).edgeId;
    await claimTestEdge(e2e.test, 'ap-1', 'Tủ Ấp 1');
  }, 60_000);

  it('draws every commune\'s plan, and narrows the page to one commune', async () => {
    const page = await e2e.loginAs('admin', { name: 'admin-tinh-fleet', bypassCSP: true });
    await openSettled(page, '/fleet');
    await waitForExpression(page, "document.body.dataset.loaded === 'true'");
    expect(await page.locator('svg.fleet-plan').count()).toBe(2);
    expect(await page.locator('svg.fleet-plan a.hamlet').count()).toBe(11);
    expect(await page.locator('#box-hamlet optgroup').evaluateAll((groups) => groups.map((g) => g.getAttribute('label')))).toEqual(['Xã Vị Tân', 'Xã Vị Thanh']);
    // the boxes are drawn in their hamlets: Vị Thanh's in Ấp Vị Thanh 1, coloured on its commune's plan
    await expect(page.locator('tbody[data-hamlet="vt-1"]').innerText()).resolves.toContain('Tủ Vị Thanh 1');
    expect(await page.locator('#plan-vt-1').getAttribute('class')).toMatch(/\bbad\b/);
    await expectAccessible(page, 'the fleet page of a province-level person');
    await e2e.screenshot(page, 'fleet-province');

    await page.getByLabel('Xã', { exact: true }).selectOption('vi-thanh');
    await page.getByRole('button', { name: 'Xem' }).click();
    await page.waitForURL('**/fleet?commune=vi-thanh');
    await waitForExpression(page, "document.body.dataset.loaded === 'true'");
    expect(await page.locator('svg.fleet-plan a.hamlet').evaluateAll((links) => links.map((a) => a.getAttribute('data-hamlet')))).toEqual(['vt-1', 'vt-2']);
    expect(await page.locator('tbody[data-hamlet]').count()).toBe(2);
    await expect(page.locator(`tbody[data-hamlet="vt-1"] a[href="/fleet/boxes/${boxVt}"]`).count()).resolves.toBe(1);
    expect(await page.locator('body').innerText()).not.toContain('Tủ Ấp 1');
  }, 60_000);
});
