import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { common } from '../console/common-messages.js';
import { declaredPages } from '../console/console-kit.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/query/index.js';
import { can, type Action } from '../users/permissions.js';
import { roles, type Role } from '../users/roles.js';

/**
 * Issue 10's walk: every route of the OpenAPI document and every console page, as a person of
 * commune A (vi-tan) of each role, against objects of commune B. An object route answers 404 (or
 * 403 where the role lacks the action); no list, CSV, feed or page shows any of B's ids. Each area
 * (the engineer scoping it) is its own test, and a failure lists every leak as route, role, object.
 */

const B = 'xa-be-walk';
const B_HAMLET = 'xb-ap-walk';
const now = Date.now();

/** One object of commune B of each kind, and the words that give it away when shown. */
interface Fixtures {
  ids: Record<string, string>;
}

/**
 * Inserts a row through the query layer (either database). Each row below names every NOT NULL
 * column without a default: a value its CHECK accepts where there is one, else a marked text.
 */
async function insert(db: Kysely<any>, table: keyof Database & string, values: Record<string, unknown>): Promise<void> {
  await db.insertInto(table).values(values).execute();
}

/** Commune B, its hamlet, and one of each object it owns, written straight into the database. */
async function fixtures(test: TestCloud): Promise<Fixtures> {
  const created = await test.request('POST', '/api/v1/communes', { code: B, name: 'Xã Bê Walk', province: 'Tỉnh Thử', hamlets: [{ code: B_HAMLET, name: 'Ấp Bêwalk' }] });
  expect(created.status).toBe(201);
  const userB = await test.request('POST', '/api/v1/users', { username: 'walkb-operator', role: 'operator', communeCode: B, password: 'password-walkb-operator', mustChangePassword: false });
  const edge = await test.request('POST', '/api/v1/edges', { name: 'Tủ walkb', hamletCode: B_HAMLET });
  expect([userB.status, edge.status]).toEqual([201, 201]);
  const { db } = test.cloud.query as unknown as { db: Kysely<any> };
  const ids: Record<string, string> = {
    user: userB.body.id,
    edge: edge.body.id,
    hamlet: B_HAMLET,
    asset: 'b'.repeat(64),
    bulletin: newId('bul'),
    schedule: newId('sch'),
    alert: newId('alr'),
    held: newId('held'),
    capFeed: newId('feed'),
    live: newId('live'),
    station: newId('stn'),
    relay: newId('rly'),
    incident: newId('inc'),
    footage: newId('ftg'),
    report: newId('rpt'),
    reportCode: 'WALKB7',
    outbox: '987654321',
    alarm: '987654322',
    playback: newId('evt'),
    audit: 'walkb.action',
    zaloOa: '987654323',
    zaloFollower: '987654324',
  };
  const commune_code = B;
  {
    await insert(db, 'audio_assets', { sha256: ids.asset, bytes: 1, duration_ms: 1000, mime: 'audio/mpeg', created_at: now, commune_code });
    await insert(db, 'bulletins', { id: ids.bulletin, title: 'walkb bulletin', kind: 'tts', text: 'walkb', asset_sha256: ids.asset, duration_ms: 1000, loudness_lufs: -16, true_peak_dbtp: -1, created_at: now, commune_code });
    const targets = JSON.stringify({ all: false, hamlets: [B_HAMLET], edges: [] });
    await insert(db, 'schedules', { id: ids.schedule, title: 'walkb schedule', bulletin_id: ids.bulletin, duration_ms: 1000, starts_local: '2026-12-07T08:00', time_zone: 'Asia/Ho_Chi_Minh', priority: 'normal', volume: 80, targets, created_at: now, updated_at: now, commune_code });
    await insert(db, 'alerts', { id: ids.alert, version: 1, title: 'walkb alert', text: 'walkb', severity: 'walkb-alerts-severity', origin: 'json', bulletin_id: ids.bulletin, priority: 'emergency', volume: 90, starts_at: now, expires_at: now + 3600_000, targets, status: 'active', created_at: now, commune_code });
    const candidate = { msgType: 'Alert', identifier: 'walkb', sender: 'walkb@example.org', sent: now, references: [], event: 'walkb', language: 'vi', headline: null, areaDesc: 'walkb', originalText: 'walkb', title: 'walkb held' };
    await insert(db, 'held_alerts', { id: ids.held, cap_sender: 'walkb@example.org', cap_identifier: 'walkb', status: 'held', source: 'walkb-held_alerts-source', reasons: '[]', candidate: JSON.stringify(candidate), received_at: now, commune_code });
    await insert(db, 'cap_feeds', { id: ids.capFeed, name: 'walkb feed', url: 'https://walkb.example.org/cap.xml', created_at: now, commune_code });
    await insert(db, 'live_sessions', { id: ids.live, source: 'voice', title: 'walkb live', priority: 'priority', edges: JSON.stringify([ids.edge]), hamlet_codes: JSON.stringify([B_HAMLET]), started_at: now, epoch: 1, file: 'walkb.opus', commune_code });
    await insert(db, 'radio_stations', { id: ids.station, name: 'walkb station', url: 'https://walkb.example.org/stream', created_at: now, updated_at: now, commune_code });
    await insert(db, 'relay_runs', { id: ids.relay, station_id: ids.station, station_name: 'walkb station', title: 'walkb relay', priority: 'normal', targets, started_at: now, commune_code });
    await insert(db, 'incidents', { id: ids.incident, edge_id: ids.edge, camera_id: 'cam-walkb', rule_id: 'rule-walkb', label: 'person', score: 0.9, track_id: 1, started_at: now, detected_at: now, box: '[0.1,0.1,0.2,0.2]', facts_ts: now, created_at: now, updated_at: now, commune_code });
    await insert(db, 'footage_requests', { id: ids.footage, state: 'waiting', edge_id: ids.edge, camera_id: 'cam-walkb', from_ms: now - 60_000, to_ms: now, reason: 'walkb', created_at: now, commune_code });
    await insert(db, 'reports', { id: ids.report, code: ids.reportCode, category: 'other', description: 'walkb report', hamlet_code: B_HAMLET, created_at: now, updated_at: now, commune_code });
    await insert(db, 'notification_outbox', { id: Number(ids.outbox), status: 'queued', channel: 'webpush', idempotency_key: 'walkb', recipient: 'walkb', subject: `alert:${ids.alert}`, event: 'alert', content: JSON.stringify({ title: 'walkb', body: 'walkb' }), data: '{}', next_attempt_at: now, created_at: now, commune_code });
    await insert(db, 'speaker_alarms', { id: Number(ids.alarm), state: 'walkb-speaker_alarms-state', edge_id: ids.edge, zone: 'walkb-zone', down_since: now, raised_at: now, commune_code });
    await insert(db, 'playback', { event_id: ids.playback, state: 'walkb-playback-state', edge_id: ids.edge, occurrence_id: 'occ-walkb', schedule_id: ids.schedule, planned_start_at: now, received_at: now, commune_code });
    await insert(db, 'audit_log', { at: now, actor: 'walkb-operator', action: ids.audit, commune_code });
  }
  // commune B's own Zalo OA and a follower of it: A's admin's OA page and list never show them
  const far = now + 3600_000;
  await test.cloud.zalo.store.connect(B, { appId: '987654325', oaId: ids.zaloOa!, appSecret: 'walkb-app-secret', webhookSecret: null, pair: { accessToken: 'walkb-at', accessExpiresAt: far, refreshToken: 'walkb-rt', refreshExpiresAt: far } });
  expect(await test.cloud.zalo.followers.subscribe(B, ids.zaloFollower!, B_HAMLET)).toBe(true);
  return { ids };
}

/** Who scopes which routes and pages (issue 10's engineers), by path: the areas a failure is listed under. */
const AREAS: [string, RegExp][] = [
  ['communes, hamlets, people (h-communes)', /^\/(api\/v1\/)?(users|communes|hamlets|commune\/|admin\/users|admin\/communes|admin$)/],
  ['fleet (h-fleet)', /^\/(api\/v1\/)?(edges|releases|rollouts|claim|maintenance|fleet|speakers|map|device\/releases)/],
  ['alerts, live, relays, stations (h-alerts)', /^\/(api\/v1\/)?(alerts|cap-feeds|radio\/live|stations|relays|radio\/alerts|radio\/stations)/],
  ['radio programmes, playback (h-radio)', /^\/(api\/v1\/)?(bulletins|schedules|calendar|playback|radio|tts|assets)/],
  ['incidents, footage, notifications, audit (h-incidents)', /^\/(api\/v1\/)?(incidents|footage|cameras|vision|police|notifications|audit|admin\/|account\/notifications|device\/incidents)/],
  ['citizens (h-citizens)', /^\/(api\/v1\/)?(reports|phan-anh|thong-bao)/],
];
const areaOf = (path: string) => AREAS.find(([, pattern]) => pattern.test(path))?.[0] ?? 'other';

/** A path parameter filled with commune B's object of that kind. */
function fill(path: string, ids: Record<string, string>): string | null {
  const by: [RegExp, string][] = [
    [/^\/api\/v1\/users\//, ids.user!],
    [/^\/api\/v1\/communes\//, B],
    [/^\/api\/v1\/hamlets\//, B_HAMLET],
    [/^\/api\/v1\/edges\//, ids.edge!],
    [/^\/api\/v1\/bulletins\//, ids.bulletin!],
    [/^\/api\/v1\/schedules\//, ids.schedule!],
    [/^\/api\/v1\/alerts\/held\//, ids.held!],
    [/^\/api\/v1\/alerts\/\{id\}/, ids.alert!],
    [/^\/api\/v1\/cap-feeds\//, ids.capFeed!],
    [/^\/api\/v1\/radio\/live\//, ids.live!],
    [/^\/api\/v1\/stations\//, ids.station!],
    [/^\/api\/v1\/relays\//, ids.relay!],
    [/^\/api\/v1\/incidents\//, ids.incident!],
    [/^\/api\/v1\/cameras\//, ids.edge!],
    [/^\/api\/v1\/footage-requests\//, ids.footage!],
    [/^\/api\/v1\/reports\//, ids.reportCode!],
    [/^\/api\/v1\/notifications\/deliveries\//, ids.outbox!],
    [/^\/api\/v1\/notifications\/subjects\//, `alert:${ids.alert}`],
    [/^\/fleet\/boxes\//, ids.edge!],
    [/^\/police\/incidents\//, ids.incident!],
    [/^\/police\/reports\//, ids.reportCode!],
    [/^\/admin\/communes\//, B],
  ];
  const main = by.find(([pattern]) => pattern.test(path))?.[1];
  if (!main) return null;
  let first = true;
  return path.replace(/\{[^}]+\}|:[A-Za-z]+/g, (param) => {
    const name = param.replace(/[{}:]/g, '');
    if (first) {
      first = false;
      return encodeURIComponent(main);
    }
    return { hamlet: B_HAMLET, zone: 'walkb-zone', cameraId: 'cam-walkb', trackId: '1', index: '0' }[name] ?? 'walkb';
  });
}

interface Leak {
  area: string;
  what: string;
}

describe("commune A's people against commune B's objects (issue 10's walk)", () => {
  let test: TestCloud;
  let ids: Record<string, string>;
  /** Words that give B's objects away: their ids and the marked titles. */
  let giveaways: string[];
  const tokens = {} as Record<Role, string>;
  const leaks: Leak[] = [];
  const walked = new Set<string>();

  beforeAll(async () => {
    test = await startTestCloud();
    ({ ids } = await fixtures(test));
    giveaways = [...Object.entries(ids).filter(([kind]) => kind !== 'asset').map(([, id]) => id), 'walkb bulletin', 'walkb schedule', 'walkb alert', 'walkb report', 'Ấp Bêwalk', 'walkb-operator'];
    for (const role of roles) {
      const res = await test.request('POST', '/api/v1/users', { username: `walka-${role}`, role, communeCode: 'vi-tan', password: `password-walka-${role}`, mustChangePassword: false });
      expect(res.status).toBe(201);
      tokens[role] = await test.login(`walka-${role}`, `password-walka-${role}`);
    }
    await walkApi();
    await walkConsole();
  }, 120_000);
  afterAll(async () => {
    await test.stop();
  });

  const shown = (body: string) => giveaways.filter((g) => body.includes(g));

  /** Every operation of the OpenAPI document, as each role of commune A. */
  async function walkApi() {
    type Operation = { 'x-action'?: Action; description?: string };
    const doc = (await test.request('GET', '/api/v1/openapi.json', undefined, null)).body as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([docPath, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), docPath, op })));
    // reads first, and what deletes last: a leaking change must not hide a leaking read
    const rank = (m: string) => ({ GET: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 })[m] ?? 1;
    operations.sort((a, b) => rank(a.method) - rank(b.method));
    for (const { method, docPath, op } of operations) {
      const action = op['x-action'];
      const isDevice = op.description?.includes('Access: an edge box') ?? false;
      if (isDevice || docPath.endsWith('/openapi.json')) continue;
      const hasParam = docPath.includes('{');
      const path = hasParam ? fill(docPath, ids) : docPath;
      if (path === null) continue; // not an object a commune owns (a release, a dictionary entry, one's own push subscription)
      const area = areaOf(docPath.replace(/^\/api\/v1/, ''));
      const who: (Role | 'visitor')[] = action ? [...roles] : ['visitor'];
      for (const role of who) {
        const token = role === 'visitor' ? null : tokens[role];
        if (!hasParam && method !== 'GET') continue;
        const res = await test.cloud.app.request(path, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          body: method === 'GET' ? undefined : '{}',
        });
        const body = await res.text();
        walked.add(`${method} ${docPath}`);
        const what = `${method} ${path} as ${role} of vi-tan`;
        if (hasParam && action) {
          const expected = can({ role: role as Role, communeCode: 'vi-tan' }, action) ? 404 : 403;
          // 400: the body was refused before the object was looked up; nothing of B is told
          if (res.status !== expected && res.status !== 400) leaks.push({ area, what: `${what}: ${res.status}, expected ${expected}` });
        }
        // a public route with an id (a citizen's report by its tracking code) is not a person's: only what it shows counts
        const given = hasParam ? shown(body).filter((g) => !path.includes(encodeURIComponent(g)) && !path.includes(g)) : shown(body);
        if (given.length) leaks.push({ area, what: `${what}: shows ${given.join(', ')}` });
        if (res.status >= 500) leaks.push({ area, what: `${what}: ${res.status} (with B's objects in the database)` });
      }
    }
  }

  /** Every console page, as each role of commune A (and a visitor for public pages). */
  const refusedTargetsOfA = async () =>
    (await test.cloud.query.db.selectFrom('audit_log').select('target').where('commune_code', '=', 'vi-tan').where('action', 'like', '%refused').execute()).map((r) => r.target).join(' ');

  async function walkConsole() {
    const pages = declaredPages(test.cloud.app).filter((p) => p.method === 'GET');
    const extra = [{ method: 'GET', path: '/thong-bao/atom.xml', access: 'public' as const }];
    for (const page of [...pages, ...extra]) {
      const hasParam = page.path.includes(':');
      const path = hasParam ? fill(page.path, ids) : page.path;
      if (path === null) continue;
      const area = areaOf(page.path);
      const who: (Role | 'visitor')[] = page.access === 'public' ? ['visitor', ...roles] : [...roles];
      for (const role of who) {
        const token = role === 'visitor' ? null : tokens[role];
        const res = await test.cloud.app.request(path, { headers: token ? { cookie: `${SESSION_COOKIE}=${token}`, accept: 'text/html' } : { accept: 'text/html' }, redirect: 'manual' });
        const body = await res.text();
        walked.add(`PAGE ${page.path}`);
        const what = `page ${path} as ${role} of vi-tan`;
        const refused = res.status === 403 && body.includes(common.vi.forbiddenTitle);
        if (hasParam && page.access !== 'public' && !refused && res.status !== 404) leaks.push({ area, what: `${what}: ${res.status}, expected 404` });
        // the audit log shows commune A's admin what A's own people asked for and were refused (the id they
        // typed, in the address): that is their request, not B's object
        const typedByA = path.startsWith('/admin/audit') ? await refusedTargetsOfA() : '';
        const given = shown(body).filter((g) => !path.includes(g) && !typedByA.includes(g));
        if (given.length) leaks.push({ area, what: `${what}: shows ${given.join(', ')}` });
        if (res.status >= 500) leaks.push({ area, what: `${what}: ${res.status}` });
      }
    }
  }

  it('walks the whole document and console', () => {
    expect(walked.size).toBeGreaterThan(100);
  });

  it.each(AREAS.map(([area]) => [area]).concat([['other']]))('finds no leak in %s', (area) => {
    const mine = leaks.filter((l) => l.area === area).map((l) => l.what);
    expect(mine, `${mine.length} leak(s) of commune B's objects to commune A's people:\n  ${mine.join('\n  ')}\n`).toEqual([]);
  });
});
