import { topics } from '@smart-commune/shared';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { announce, connectIncidentEdge, incidentEvent, SNAPSHOT } from '../../incidents/testing/incident-kit.js';
import { capMessage } from '../../radio/testing/cap-messages.js';
import { givenInPlan } from '../../radio/testing/radio-test-kit.js';
import { can } from '../../users/permissions.js';
import { roles, type Role } from '../../users/roles.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { testReleaseKey, writeTestBundle } from '../../../../test-support/release-bundle.js';
import { declaredPages, type DeclaredPage } from '../console-kit.js';
import { axeViolations, describeViolations, expectAccessible, openSettled } from './accessibility.js';
import { useConsoleE2E } from './harness.js';

type Lang = 'vi' | 'en';
/** A phone's width: where wide tables scroll sideways (and must be reachable by keyboard). */
const PHONE = { width: 390, height: 844 };

/**
 * Every console page, as every role that may open it and as a visitor, passes axe-core's WCAG 2 A
 * and AA rules. The pages come from the same inventory as the permission walk (declaredPages: every
 * route guarded by `kit.page`), so a page added later is checked without touching this file; a page
 * with a path parameter needs an object to show, named in `concrete` below (the test says so).
 */
describe('every console page passes axe-core WCAG 2 A and AA in Chromium', () => {
  const e2e = useConsoleE2E();
  /** A page's route with parameters → an address of a real object of that kind. */
  const concrete: Record<string, string> = {};
  /** A page's route → the query that shows it filled (a tracking code looked up). */
  const queries: Record<string, string> = {};

  beforeAll(async () => {
    const api = e2e.test.api;
    // a box with a camera (no daemon: the pages show what the cloud knows)
    const { edgeId } = await claimTestEdge(e2e.test, 'ap-2', 'Tủ loa chợ');
    const camera = await api('POST', `/api/v1/edges/${edgeId}/cameras`, { id: 'cong-cho', name: 'Cổng chợ', source: { kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/cong-cho' } });
    expect(camera.status, JSON.stringify(camera.body)).toBe(201);
    const cameraApi = `/api/v1/edges/${edgeId}/cameras/cong-cho`;
    expect((await api('PUT', `${cameraApi}/zones`, { zones: [{ id: 'san', name: 'Sân chợ', polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 1], [0.1, 1]] }] })).status).toBe(200);
    expect((await api('PUT', `${cameraApi}/rules`, { rules: [{ id: 'ban-dem', name: 'Người vào sân ban đêm', zone: 'san', classes: ['person'], windows: [{ start: '22:00', end: '05:00' }] }] })).status).toBe(200);
    concrete['/fleet/boxes/:edgeId'] = `/fleet/boxes/${edgeId}`;
    concrete['/fleet/boxes/:edgeId/cameras/:cameraId'] = `/fleet/boxes/${edgeId}/cameras/cong-cho`;

    // proof of play in every state (the badges' colours are part of what is checked), stored before
    // a new programme below changes the box's plan
    await waitFor(() => e2e.test.cloud.fleet.documents.get(edgeId, 'schedule'), `the plan of ${edgeId}`);
    const states = ['started', 'completed', 'interrupted', 'failed', 'missed'] as const;
    const now = Date.now();
    const planned = (i: number) => now - (i + 1) * 3_600_000;
    await givenInPlan(e2e.test.cloud.query, edgeId, states.map((_, i) => ({ occurrenceId: `sch_a11y:${planned(i)}`, scheduleId: 'sch_a11y', bulletinId: null, startAt: planned(i) })));
    for (const [i, state] of states.entries()) {
      const played = state !== 'missed' && state !== 'failed';
      const body = { occurrenceId: `sch_a11y:${planned(i)}`, scheduleId: 'sch_a11y', bulletinId: null, state, plannedStartAt: planned(i), actualStartAt: played ? planned(i) + 40 : null, durationMs: played ? 61_000 : null, reason: played ? null : 'the box was off', zones: ['main'] };
      await e2e.test.cloud.broker.publish(topics.event(edgeId, 'playback'), JSON.stringify({ eventId: `evt_a11y_${state}`, ts: Date.now(), body }), { qos: 1, retain: false });
    }
    await waitFor(async () => (await api('GET', '/api/v1/playback')).body.total === states.length, 'the proof of play stored');

    // a camera incident with its snapshot, and a citizen's report
    const incidentEdge = await connectIncidentEdge(e2e.test, 'ap-1');
    const incident = incidentEvent({ clip: null, snapshot: announce(SNAPSHOT) });
    await incidentEdge.publish(incident);
    expect((await incidentEdge.upload(incident.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    await incidentEdge.close();
    concrete['/police/incidents/:id'] = `/police/incidents/${incident.incidentId}`;
    const report = await e2e.test.request('POST', '/api/v1/reports', { category: 'trom-cap', description: 'Mất xe máy trước cổng chợ lúc 7 giờ sáng', hamlet: 'ap-3', phone: '0912345678' }, null);
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    const code = (report.body as { code: string }).code;
    concrete['/police/reports/:code'] = `/police/reports/${code}`;
    concrete['/phan-anh/:code'] = `/phan-anh/${code}`;
    queries['/phan-anh/tra-cuu'] = `code=${code}`;
    // the same pages at the commune's own address (issue 10)
    for (const page of ['phan-anh', 'phan-anh/tra-cuu', 'thong-bao']) concrete[`/xa/:commune/${page}`] = `/xa/vi-tan/${page}`;
    concrete['/xa/:commune/phan-anh/:code'] = `/xa/vi-tan/phan-anh/${code}`;
    queries['/xa/:commune/phan-anh/tra-cuu'] = `code=${code}`;

    // a broadcast bulletin (public notice, calendar, bulletin list) and a CAP message held for an operator
    const bulletin = await api('POST', '/api/v1/bulletins', { title: 'Tiêm phòng dại cho chó, mèo', text: 'Sáng thứ Bảy, trạm thú y tiêm phòng dại miễn phí tại nhà văn hoá ấp 1.' });
    expect(bulletin.status, JSON.stringify(bulletin.body)).toBe(201);
    const schedule = await api('POST', '/api/v1/schedules', { title: 'Tiêm phòng dại', source: { kind: 'bulletin', bulletinId: bulletin.body.id }, startsLocal: '2030-01-05T07:00', targets: { all: true } });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    // and every morning, so this week's calendar has entries whichever week it is
    const daily = await api('POST', '/api/v1/schedules', { title: 'Tiêm phòng dại hằng ngày', source: { kind: 'bulletin', bulletinId: bulletin.body.id }, startsLocal: '2026-01-01T06:00', rrule: 'FREQ=DAILY', priority: 'priority', targets: { all: true } });
    expect(daily.status, JSON.stringify(daily.body)).toBe(201);
    const held = await e2e.test.cloud.radio.alerts.receiveCap(
      capMessage({ identifier: 'KTTV-A11Y-1', sent: Date.now(), infos: [{ language: 'en-US', event: 'Flood', headline: 'Flood warning', eas: 'The canal is rising.', expires: Date.now() + 3_600_000, areas: [{ areaDesc: 'Along the canal' }] }] }),
      null,
      { source: { kind: 'feed', feedId: 'kttv-hg' } },
    );
    expect(held.kind).toBe('held');
    // notifications sent and given up (no zalo channel runs here: the outbox is filled and settled by hand)
    const { outbox, store } = e2e.test.cloud.notifications;
    const content = { title: 'Tiêm phòng dại', body: 'Sáng thứ Bảy tiêm phòng dại tại nhà văn hoá ấp 1', path: '/thong-bao' };
    outbox.enqueue([1, 2].map((n) => ({ channel: 'zalo', idempotencyKey: `bulletin.scheduled:a11y:${n}`, recipient: `follower-${n}`, subject: `bulletin:${bulletin.body.id}`, event: 'bulletin.scheduled', content })));
    const [sent, failed] = store.claimDue('zalo', 2);
    store.recordSent(sent!.id, 95, 'zalo-msg-1');
    store.recordFailed(failed!.id, 120, 'người theo dõi đã chặn OA (mã lỗi -230)');
    // a CAP feed that does not answer (its row, and the warning at the top once it has failed)
    expect((await api('POST', '/api/v1/cap-feeds', { name: 'Đài KTTV Hậu Giang', url: 'http://127.0.0.1:9/cap.xml' })).status).toBe(201);
    // a signed release and a rollout of it whose box failed (the rollout page with a reason and log lines)
    const releaseKey = testReleaseKey();
    const { mkdirSync, mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    mkdirSync(join(e2e.test.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(e2e.test.dataDir, 'keys', 'release-keys.json'), JSON.stringify([releaseKey.publicKey]));
    const bundleFile = join(mkdtempSync(join(tmpdir(), 'sc-a11y-')), 'bundle.tar');
    await writeTestBundle(bundleFile, { version: '1.5.0', arch: 'x64', privateKeyPem: releaseKey.privateKeyPem });
    const uploaded = await fetch(`${e2e.test.cloud.httpUrl}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${e2e.test.adminToken}` }, body: readFileSync(bundleFile) });
    expect(uploaded.status).toBe(201);
    const rollout = await api('POST', '/api/v1/rollouts', { version: '1.5.0', scope: { kind: 'edges', edgeIds: [edgeId] } });
    expect(rollout.status, JSON.stringify(rollout.body)).toBe(201);
    await e2e.test.cloud.fleet.events.record(edgeId, 'update', { eventId: 'evt_a11y_rollback', ts: Date.now(), body: { phase: 'rolled_back', version: '1.5.0', rolloutId: rollout.body.id, runningVersion: '1.4.0', reason: 'health_timeout: loudspeakers reachable 0/1', logLines: ['{"level":50,"msg":"loa không phản hồi"}'] } });
    await waitFor(async () => (await api('GET', `/api/v1/rollouts/${rollout.body.id}`)).body.state === 'paused', 'the rollout paused');
    concrete['/fleet/rollouts/:id'] = `/fleet/rollouts/${rollout.body.id}`;
    // a commune's page with a hamlet added and one retired, so every state of its list is drawn
    expect((await api('POST', '/api/v1/communes/vi-tan/hamlets', { name: 'Ấp Mới' })).status).toBe(201);
    expect((await api('PATCH', '/api/v1/communes/vi-tan/hamlets/vi-tan-ap-moi', { retired: true })).status).toBe(200);
    concrete['/admin/communes/:code'] = '/admin/communes/vi-tan';

  }, 120_000);

  const getPages = (): DeclaredPage[] => declaredPages(e2e.test.cloud.app).filter((p) => p.method === 'GET');

  /** The address to open for a page: its own path, a real object's for a path with parameters. */
  function addressOf(page: DeclaredPage, lang: Lang): string {
    const path = page.path.includes(':') ? concrete[page.path] : page.path;
    if (path === undefined) throw new Error(`${page.path}: a page with parameters; add an object of its kind to \`concrete\` in accessibility.test.ts`);
    const query = [queries[page.path], `lang=${lang}`].filter(Boolean).join('&');
    return `${path}?${query}`;
  }

  /**
   * Opens each page in the browser, waits for its scripts to draw it and runs axe;
   * returns one readable block per page with violations. A page that does not open (404, 403, the
   * login instead) is a failure too: what was checked must be the page.
   */
  async function check(page: Page, who: string, list: DeclaredPage[], lang: Lang): Promise<string[]> {
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const declared of list) {
      const address = addressOf(declared, lang);
      const res = await openSettled(page, address);
      const landed = new URL(page.url());
      const where = `${who} ${lang} ${declared.path} (${landed.pathname}${landed.search})`;
      if (res === null || res.status() !== 200) {
        failures.push(`${where}: answered ${res?.status() ?? 'nothing'}`);
        continue;
      }
      if (landed.pathname === '/login' && declared.path !== '/login') {
        failures.push(`${where}: sent to the login`);
        continue;
      }
      // a page that redirects to another (/admin → /admin/users) is checked once
      if (seen.has(landed.pathname)) continue;
      seen.add(landed.pathname);
      const violations = await axeViolations(page);
      if (violations.length > 0) failures.push(`${where}\n${describeViolations(violations)}`);
    }
    return failures;
  }

  /** axe on the page as it is now; `where` names the state. */
  async function checkNow(page: Page, where: string): Promise<string[]> {
    const violations = await axeViolations(page);
    return violations.length > 0 ? [`${where}\n${describeViolations(violations)}`] : [];
  }

  const opensTo = (role: Role) => getPages().filter((p) => p.access === 'public' || can({ role }, p.access));

  it('fails on a page that breaks the rules, naming the rule, its impact, the element and the help page', async () => {
    const page = await e2e.anonymousPage();
    await page.setContent('<!doctype html><html><head><title>x</title></head><body><main><h1>x</h1><img src="/a.png"><input id="q"><a href="/b"></a></main></body></html>');
    const error = await expectAccessible(page, 'a broken page').then(() => null, (err: Error) => err.message);
    expect(error).toMatch(/^a broken page: \d+ WCAG 2 A\/AA rule\(s\) broken \(axe-core\)/);
    for (const rule of ['html-has-lang', 'image-alt', 'label', 'link-name']) expect(error).toMatch(new RegExp(`^  ${rule} \\((critical|serious|moderate|minor)\\): .+ — https://dequeuniversity\\.com/rules/axe/`, 'm'));
    expect(error).toContain('    - img');
    expect(error).toContain('    - #q');
  });

  it('has the pages to check', () => {
    const paths = getPages().map((p) => p.path);
    expect(paths.length).toBeGreaterThanOrEqual(20);
    for (const path of ['/', '/login', '/fleet', '/radio/playback', '/police/incidents/:id', '/phan-anh', '/thong-bao', '/xa', '/xa/:commune/phan-anh', '/xa/:commune/thong-bao']) expect(paths).toContain(path);
  });

  // the roles on a phone, where the layout is narrowest; English and the visitor's English on a desktop
  it.each([...roles])('every page that opens to %s, in Vietnamese, on a phone', async (role) => {
    const page = await e2e.loginAs(role, { bypassCSP: true, viewport: PHONE });
    const failures = await check(page, role, opensTo(role), 'vi');
    expect(failures.join('\n\n')).toBe('');
  }, 180_000);

  it('every page in English on a desktop (as an admin, who may open every page for people)', async () => {
    const page = await e2e.loginAs('admin', { name: 'admin-en', bypassCSP: true });
    const failures = await check(page, 'admin', opensTo('admin'), 'en');
    expect(failures.join('\n\n')).toBe('');
  }, 180_000);

  it.each(['vi', 'en'] as const)('every public page and the login page to a visitor, in %s', async (lang) => {
    const page = await e2e.anonymousPage({ bypassCSP: true, viewport: lang === 'vi' ? PHONE : undefined });
    const failures = await check(page, 'visitor', getPages().filter((p) => p.access === 'public'), lang);
    expect(failures.join('\n\n')).toBe('');
  }, 120_000);

  it('the states a person brings about: a refused login, a report just sent, a password to change, a bulletin saved, an alert to confirm and sent, a weekly programme for chosen hamlets, a live voice to confirm, a claim token, a report answered, a page refused', async () => {
    const failures: string[] = [];
    const visitor = await e2e.anonymousPage({ bypassCSP: true });
    await visitor.goto('/login');
    await visitor.getByLabel('Tên đăng nhập').fill('nobody');
    await visitor.getByLabel('Mật khẩu').fill('wrong-password');
    await Promise.all([visitor.waitForEvent('load'), visitor.getByRole('button', { name: 'Đăng nhập' }).click()]);
    expect(await visitor.locator('[role="alert"], .error').count()).toBeGreaterThan(0);
    failures.push(...(await checkNow(visitor, 'visitor: a refused login')));
    await openSettled(visitor, `${concrete['/phan-anh/:code']}?moi=1`);
    failures.push(...(await checkNow(visitor, 'visitor: the report just sent')));

    // a person whose password an admin set: sent to change it, on a page with no menu
    const pending = await e2e.test.api('POST', '/api/v1/users', { username: 'a11y-pending', role: 'operator', password: 'admin-dat-cho-a11y', mustChangePassword: true });
    expect(pending.status).toBe(201);
    await visitor.goto('/login');
    await visitor.getByLabel('Tên đăng nhập').fill('a11y-pending');
    await visitor.getByLabel('Mật khẩu').fill('admin-dat-cho-a11y');
    await Promise.all([visitor.waitForURL('**/account/password'), visitor.getByRole('button', { name: 'Đăng nhập' }).click()]);
    failures.push(...(await checkNow(visitor, 'a person sent to change the password an admin set')));

    const operator = await e2e.loginAs('operator', { bypassCSP: true });
    await openSettled(operator, '/radio/alerts');
    const alertForm = operator.getByRole('region', { name: 'Cảnh báo khẩn cấp' });
    await alertForm.getByLabel('Nội dung cảnh báo (sẽ được đọc lên)').fill('Bão số 9 sắp đổ bộ. Bà con khẩn trương chằng chống nhà cửa.');
    await alertForm.getByLabel('Các ấp được chọn').check();
    await alertForm.getByLabel('Ấp 1', { exact: true }).check();
    failures.push(...(await checkNow(operator, 'operator: an alert for chosen hamlets')));
    await operator.getByRole('button', { name: 'Xem lại trước khi phát' }).click();
    await operator.locator('#confirm-text').filter({ hasText: 'Ấp 1' }).waitFor();
    failures.push(...(await checkNow(operator, 'operator: the alert to confirm')));
    await operator.getByRole('button', { name: 'Phát cảnh báo ngay' }).click();
    await operator.locator('#alert-list').filter({ hasText: 'Bão số 9' }).waitFor({ timeout: 60_000 });
    failures.push(...(await checkNow(operator, 'operator: an alert sent, active, with its stop button')));
    // a bulletin written, saved and shown with its audio, duration and loudness
    await openSettled(operator, '/radio/bulletins');
    await operator.getByLabel('Tiêu đề').first().fill('Họp dân ấp 1');
    await operator.getByLabel('Nội dung').fill('Tối thứ Sáu họp dân tại nhà văn hoá ấp 1, lúc 19 giờ.');
    await operator.getByRole('button', { name: 'Lưu bản tin' }).click();
    await operator.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    failures.push(...(await checkNow(operator, 'operator: a bulletin saved')));
    // the objects made above are on the pages the walk checked (here: a row per state of proof of play)
    await openSettled(operator, '/radio/playback');
    expect(await operator.locator('#pb-list tbody .badge').count()).toBe(5);
    await openSettled(operator, '/radio/schedule');
    expect(await operator.locator('#week').textContent()).toContain('Tiêm phòng dại hằng ngày');
    await operator.getByLabel('Hằng tuần, vào các ngày').check();
    await operator.getByLabel('Các ấp được chọn').check();
    failures.push(...(await checkNow(operator, 'operator: a weekly programme for chosen hamlets')));
    // the live voice for chosen hamlets at emergency level, and its confirmation step (going on air
    // needs a microphone: e2e/live-voice.test.ts)
    await openSettled(operator, '/radio/live');
    await operator.getByLabel('Các ấp được chọn').check();
    await operator.getByLabel('Ấp 2', { exact: true }).check();
    await operator.getByLabel('Khẩn cấp').check();
    await operator.getByRole('button', { name: 'Tiếp tục' }).click();
    await operator.locator('#live-confirm-text').filter({ hasText: 'Ấp 2' }).waitFor();
    failures.push(...(await checkNow(operator, 'operator: a live voice to confirm')));

    // a new box with its claim token as text and QR code
    const technician = await e2e.loginAs('technician', { bypassCSP: true });
    const box = await e2e.test.api('POST', '/api/v1/edges', { name: 'Tủ ấp 7', hamletCode: 'ap-7' });
    expect(box.status).toBe(201);
    await technician.goto(`/fleet/boxes/${box.body.id}`);
    await technician.locator('body[data-loaded="true"]').waitFor();
    await technician.getByRole('button', { name: 'Tạo mã đăng ký' }).click();
    await technician.locator('#token-qr img').waitFor();
    failures.push(...(await checkNow(technician, 'technician: a claim token as text and QR code')));

    const police = await e2e.loginAs('police', { bypassCSP: true });
    await openSettled(police, concrete['/police/reports/:code']!);
    await police.getByLabel('Trạng thái').selectOption('in_progress');
    await police.getByLabel(/Trả lời công khai/).fill('Công an xã đã tiếp nhận, đang xác minh.');
    await Promise.all([police.waitForEvent('load'), police.getByRole('button', { name: 'Lưu trạng thái và trả lời' }).click()]);
    failures.push(...(await checkNow(police, 'police: a report answered')));
    const admin = await e2e.loginAs('admin', { bypassCSP: true });
    await openSettled(admin, '/admin/notifications');
    expect(await admin.locator('table.notifications tbody tr').count()).toBe(2);
    // the page a person gets where the permission table refuses them
    expect((await police.goto('/fleet'))?.status()).toBe(403);
    failures.push(...(await checkNow(police, 'police: a page refused (403)')));
    expect(failures.join('\n\n')).toBe('');
  }, 120_000);
});
