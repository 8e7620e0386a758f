import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrivateKey, signKeyRotation } from '@smart-commune/shared';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { testReleaseKey, writeTestBundle } from '../../../../test-support/release-bundle.js';
import { expectAccessible, openSettled } from './accessibility.js';
import { useConsoleE2E, waitForText } from './harness.js';
import { insertCommune } from '../../../../test-support/places.js';

/**
 * Issue 10 in Chromium: a province admin rolls a release out to chosen communes and hamlets of them
 * from "Cập nhật phần mềm"; the page passes axe-core's WCAG 2 A/AA rules.
 */
describe("a province admin's software updates across communes", () => {
  const e2e = useConsoleE2E();
  const key = testReleaseKey();
  let work: string;
  const box: Record<string, string> = {};

  beforeAll(async () => {
    const { test } = e2e;
    await insertCommune(test.cloud.query, { code: 'vi-thanh', name: 'Xã Vị Thanh', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang' }, [
      { code: 'vt-1', name: 'Ấp Vị Thanh 1', position: 0 },
      { code: 'vt-2', name: 'Ấp Vị Thanh 2', position: 1 },
    ]);
    for (const hamlet of ['ap-1', 'ap-2', 'vt-1', 'vt-2']) box[hamlet] = (await claimTestEdge(test, hamlet)).edgeId;
    work = mkdtempSync(join(tmpdir(), 'sc-releases-e2e-'));
    mkdirSync(join(test.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(test.dataDir, 'keys', 'release-keys.json'), JSON.stringify([key.publicKey]));
    const file = join(work, '2.0.0.tar');
    await writeTestBundle(file, { version: '2.0.0', arch: 'x64', privateKeyPem: key.privateKeyPem });
    const res = await fetch(`${test.cloud.httpUrl}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}` }, body: readFileSync(file) });
    expect(res.status).toBe(201);
  }, 60_000);
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('picks a whole commune and one hamlet of another: the rollout reaches exactly their boxes', async () => {
    const page = await e2e.loginAs('admin', { name: 'admin-tinh', bypassCSP: true });
    await openSettled(page, '/fleet/releases');
    const form = page.locator('#new-rollout');
    // every commune is offered, each in a fold with its hamlets
    expect(await form.locator('#r-scope option').allTextContents()).toEqual(['Mọi tủ của tỉnh (mọi xã)', 'Các xã, ấp được chọn', 'Các tủ được chọn']);
    expect(await form.locator('#r-places details summary').allTextContents()).toEqual(['Xã Vị Tân', 'Xã Vị Thanh']);
    expect(await form.locator('#r-edges optgroup').evaluateAll((groups) => groups.map((g) => g.getAttribute('label')))).toEqual(['Xã Vị Tân', 'Xã Vị Thanh']);

    await form.getByLabel('Cập nhật cho').selectOption('places');
    await form.locator('details[data-commune="vi-thanh"] summary').click();
    await form.getByRole('checkbox', { name: 'Cả Xã Vị Thanh' }).check();
    await form.locator('details[data-commune="vi-tan"] summary').click();
    await form.locator('details[data-commune="vi-tan"]').getByRole('checkbox', { name: 'Ấp 1', exact: true }).check();
    await expectAccessible(page, 'the releases page with the communes open');
    await e2e.screenshot(page, 'fleet-releases-province');

    await form.getByRole('button', { name: 'Bắt đầu cập nhật' }).click();
    await waitForText(page.locator('#releases-status'), 'Đã bắt đầu đợt cập nhật.');
    const { rollouts } = (await e2e.test.api('GET', '/api/v1/rollouts')).body as { rollouts: { id: string; scope: unknown; total: number }[] };
    expect(rollouts).toHaveLength(1);
    expect(rollouts[0]!.scope).toEqual({ kind: 'places', communeCodes: ['vi-thanh'], hamletCodes: ['ap-1'] });
    const detail = (await e2e.test.api('GET', `/api/v1/rollouts/${rollouts[0]!.id}`)).body as { boxes: { edgeId: string }[] };
    expect(detail.boxes.map((b) => b.edgeId).sort()).toEqual([box['ap-1'], box['vt-1'], box['vt-2']].sort());
  }, 60_000);

  it("sends a key rotation to the boxes of one rollout from the page's form", async () => {
    const page = await e2e.loginAs('admin', { name: 'admin-tinh', bypassCSP: true });
    await openSettled(page, '/fleet/releases');
    const form = page.locator('#rotate-keys');
    const [rollout] = (await e2e.test.api('GET', '/api/v1/rollouts')).body.rollouts as { id: string }[];
    expect(await form.locator('#k-target option').allTextContents()).toEqual(['Tất cả các tủ', 'Các tủ được chọn', 'Các tủ của một đợt cập nhật']);
    expect(await form.locator('#k-rollout option').evaluateAll((options) => options.map((o) => o.getAttribute('value')))).toEqual([rollout!.id]);
    const file = join(work, 'rotation-1.json');
    writeFileSync(file, JSON.stringify(signKeyRotation({ type: 'sc-release-keys', sequence: 1, issuedAt: new Date().toISOString(), keys: [key.publicKey] }, loadPrivateKey(key.privateKeyPem))));
    await form.locator('#k-file').setInputFiles(file);
    await form.getByLabel('Gửi cho', { exact: true }).selectOption('rollout');
    await form.getByLabel(/^Đợt cập nhật/).selectOption(rollout!.id);
    await expectAccessible(page, 'the releases page with the rotation form for a rollout');
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/release-keys/rotations') && r.method() === 'POST');
    await form.getByRole('button', { name: 'Gửi cho các tủ' }).click();
    expect((await sent).postDataJSON().target).toEqual({ kind: 'rollout', rolloutId: rollout!.id });
    // the test's boxes never connected, so none announced that it takes a rotation: said, nothing recorded
    await waitForText(page.locator('#releases-status'), `no box of rollout ${rollout!.id} can take a key rotation`);
    expect((await e2e.test.api('GET', '/api/v1/release-keys/rotations')).body.rotations).toEqual([]);
  }, 60_000);

  it('refuses, by name, a commune or hamlet chosen without a box, and a choice of nothing', async () => {
    // a commune of the province with no box yet, and one that does not exist: both named
    await insertCommune(e2e.test.cloud.query, { code: 'vi-binh', name: 'Xã Vị Bình', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang' });
    const empty = await e2e.test.api('POST', '/api/v1/rollouts', { version: '2.0.0', scope: { kind: 'places', communeCodes: ['vi-binh', 'khong-co'], hamletCodes: ['ap-2'] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('no active box in: vi-binh, khong-co (unknown, or without claimed boxes)');
    const nothing = await e2e.test.api('POST', '/api/v1/rollouts', { version: '2.0.0', scope: { kind: 'places' } });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.message).toBe('choose at least one commune or hamlet');
  });
});
