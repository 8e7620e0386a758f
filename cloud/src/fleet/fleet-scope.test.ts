import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@smart-commune/shared';
import { startTestCloud, type Reply, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { csrfTokenFor, SESSION_COOKIE } from '../auth/session-cookie.js';
import { UserStore } from '../users/user-store.js';
import type { Role } from '../users/roles.js';

/**
 * Issue 10: the fleet of a province. Two communes, Vị Tân (the demo's, hamlets ap-*) and Xã B
 * (hamlet b-1), each with boxes; a commune's people see and change their commune's boxes and
 * everything under them only, and another commune's box answers exactly as a missing one does.
 */
describe('fleet scoped to the commune', () => {
  let test: TestCloud;
  /** Tokens: technicians and an admin of Vị Tân and of Xã B; the test cloud's admin is province-level. */
  const token: Record<string, string> = {};
  let boxA: string;
  let boxB: string;
  let unclaimedB: string;

  beforeAll(async () => {
    test = await startTestCloud();
    const db = test.cloud.db;
    db.prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES ('xa-b', 'Xã B', 'Huyện B', 'Cần Thơ', 0)").run();
    db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('b-1', 'xa-b', 'Ấp B1', 0), ('b-2', 'xa-b', 'Ấp B2', 1)").run();
    const users = new UserStore(test.cloud.query);
    const people: [string, Role, string][] = [
      ['tech-a', 'technician', 'vi-tan'],
      ['tech-b', 'technician', 'xa-b'],
      ['admin-a', 'admin', 'vi-tan'],
      ['op-a', 'operator', 'vi-tan'],
    ];
    for (const [username, role, communeCode] of people) {
      await users.create({ username, role, communeCode, password: `password-${username}`, mustChangePassword: false });
      token[username] = await test.login(username, `password-${username}`);
    }
    token.province = test.adminToken;
    boxA = (await claimTestEdge(test, 'ap-1', 'Tủ chợ Vị Tân')).edgeId;
    boxB = (await claimTestEdge(test, 'b-1', 'Tủ Ấp B1')).edgeId;
    unclaimedB = (await test.request('POST', '/api/v1/edges', { name: 'Tủ mới B', hamletCode: 'b-2' })).body.id;
  });
  afterAll(async () => {
    await test.stop();
  });

  const as = (who: string, method: string, path: string, body?: unknown): Promise<Reply> => test.request(method, path, body, token[who]);
  const ids = (edges: { id: string }[]) => edges.map((e) => e.id).sort();

  /** Every route with a box's id in its path, with a body it would take. */
  const boxRoutes = (id: string): [string, string, unknown?][] => [
    ['GET', `/api/v1/edges/${id}`],
    ['GET', `/api/v1/edges/${id}/compatibility`],
    ['PATCH', `/api/v1/edges/${id}`, { name: 'đổi tên' }],
    ['POST', `/api/v1/edges/${id}/claim-tokens`],
    ['POST', `/api/v1/edges/${id}/rotate`],
    ['POST', `/api/v1/edges/${id}/ping`],
    ['POST', `/api/v1/edges/${id}/test-tone`, { durationMs: 1000 }],
    ['GET', `/api/v1/edges/${id}/config`],
    ['PUT', `/api/v1/edges/${id}/config`, { telemetryIntervalS: 30 }],
    ['POST', `/api/v1/edges/${id}/logs`, {}],
    ['POST', `/api/v1/edges/${id}/doctor`],
    ['POST', `/api/v1/edges/${id}/restart`, { reason: 'kiểm tra phạm vi' }],
    ['POST', `/api/v1/edges/${id}/reboot`, { reason: 'kiểm tra phạm vi' }],
    ['GET', `/api/v1/edges/${id}/speakers`],
    ['PUT', `/api/v1/edges/${id}/speakers/cho`, { volume: 10 }],
    ['GET', `/api/v1/edges/${id}/cameras`],
    ['POST', `/api/v1/edges/${id}/cameras`, { id: 'cong', name: 'Cổng', url: 'rtsp://192.168.1.20/stream' }],
    ['GET', `/api/v1/edges/${id}/cameras/cong`],
    ['PUT', `/api/v1/edges/${id}/cameras/cong`, { id: 'cong', name: 'Cổng', url: 'rtsp://192.168.1.20/stream' }],
    ['PUT', `/api/v1/edges/${id}/cameras/cong/zones`, { zones: [] }],
    ['PUT', `/api/v1/edges/${id}/cameras/cong/masks`, { masks: [] }],
    ['PUT', `/api/v1/edges/${id}/cameras/cong/rules`, { rules: [] }],
    ['GET', `/api/v1/edges/${id}/cameras/cong/snapshot.jpg`],
    ['DELETE', `/api/v1/edges/${id}/cameras/cong`],
    ['PATCH', `/api/v1/edges/${id}/surveillance`, { model: 'yolov8n' }],
    ['GET', `/api/v1/edges/${id}/discovered-cameras`],
    ['POST', `/api/v1/edges/${id}/discovered-cameras/scan`, {}],
    ['POST', `/api/v1/edges/${id}/discovered-cameras/adopt`, {}],
    ['POST', `/api/v1/edges/${id}/revoke`],
    ['DELETE', `/api/v1/edges/${id}`],
  ];

  it("answers every route of another commune's box with the very 404 of a box that does not exist, and changes nothing", async () => {
    const missing = 'edg_doesnotexist';
    const before = await test.cloud.fleet.edges.get(boxB);
    for (const [method, path, body] of boxRoutes(boxB)) {
      const theirs = await as('tech-a', method, path, body);
      const none = await as('tech-a', method, path.replace(boxB, missing), body);
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(theirs.body).replaceAll(boxB, 'ID'), `${method} ${path}`).toBe(JSON.stringify(none.body).replaceAll(missing, 'ID'));
    }
    // nothing happened to the box: not renamed, not revoked, not deleted, no camera
    const after = await test.cloud.fleet.edges.get(boxB);
    expect(after).toMatchObject({ name: before.name, status: 'active', hamletCode: 'b-1', communeCode: 'xa-b' });
    expect((await test.cloud.fleet.documents.get(boxB, 'config'))?.body.surveillance).toBeUndefined();
  });

  it('lets a commune technician reach their own box on the same routes', async () => {
    expect((await as('tech-a', 'GET', `/api/v1/edges/${boxA}`)).body).toMatchObject({ id: boxA, communeCode: 'vi-tan' });
    expect((await as('tech-a', 'GET', `/api/v1/edges/${boxA}/config`)).status).toBe(200);
    expect((await as('tech-a', 'PATCH', `/api/v1/edges/${boxA}`, { notes: 'cột điện' })).body).toMatchObject({ notes: 'cột điện' });
    const issued = await as('tech-a', 'POST', `/api/v1/edges/${boxA}/claim-tokens`);
    expect(issued.status).toBe(201);
    expect(issued.body.edgeId).toBe(boxA);
    // and the province's person reaches both communes' boxes
    expect((await as('province', 'GET', `/api/v1/edges/${boxB}`)).body).toMatchObject({ id: boxB, communeCode: 'xa-b' });
    expect((await as('province', 'GET', `/api/v1/edges/${boxB}/config`)).status).toBe(200);
  });

  it("lists only the person's commune's boxes; the province sees both", async () => {
    expect(ids((await as('tech-a', 'GET', '/api/v1/edges')).body.edges)).toEqual([boxA]);
    expect(ids((await as('tech-b', 'GET', '/api/v1/edges')).body.edges)).toEqual([boxB, unclaimedB].sort());
    expect(ids((await as('op-a', 'GET', '/api/v1/edges?status=active')).body.edges)).toEqual([boxA]);
    expect(ids((await as('province', 'GET', '/api/v1/edges')).body.edges)).toEqual([boxA, boxB, unclaimedB].sort());
    // another commune's hamlet as a filter finds nothing, as an unknown one would
    expect((await as('tech-a', 'GET', '/api/v1/edges?hamlet=b-1')).body.edges).toEqual([]);
  });

  it("counts boxes per hamlet of the person's commune only", async () => {
    const mine = (await as('tech-a', 'GET', '/api/v1/hamlets')).body.hamlets as { code: string; communeCode: string; edges: number }[];
    expect(mine.map((h) => h.communeCode)).toEqual(Array(9).fill('vi-tan'));
    expect(mine.reduce((n, h) => n + h.edges, 0)).toBe(1);
    const theirs = (await as('tech-b', 'GET', '/api/v1/hamlets')).body.hamlets as { code: string; edges: number }[];
    expect(theirs.map((h) => [h.code, h.edges])).toEqual([['b-1', 1], ['b-2', 1]]);
    expect((await as('province', 'GET', '/api/v1/hamlets')).body.hamlets).toHaveLength(11);

    // the map's locations, hamlet by hamlet, and the communes' administrative codes are scoped by
    // h-communes (hamlet-places.ts) and walked by its test of every route
  });

  it("creates boxes only in the person's commune's hamlets and never moves one to another commune; the province may", async () => {
    const refused = await as('tech-a', 'POST', '/api/v1/edges', { name: 'Tủ lạc', hamletCode: 'b-1' });
    const unknown = await as('tech-a', 'POST', '/api/v1/edges', { name: 'Tủ lạc', hamletCode: 'b-9' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message.replace('b-1', 'b-9')).toBe(unknown.body.error.message);
    const created = await as('tech-a', 'POST', '/api/v1/edges', { name: 'Tủ trường', hamletCode: 'ap-2' });
    expect(created.status).toBe(201);
    expect(created.body.communeCode).toBe('vi-tan');

    const moved = await as('tech-a', 'PATCH', `/api/v1/edges/${created.body.id}`, { hamletCode: 'b-2' });
    expect(moved.status).toBe(400);
    expect((await test.cloud.fleet.edges.get(created.body.id)).hamletCode).toBe('ap-2');
    expect((await as('tech-a', 'PATCH', `/api/v1/edges/${created.body.id}`, { hamletCode: 'ap-3' })).body.hamletCode).toBe('ap-3');

    const byProvince = await as('province', 'PATCH', `/api/v1/edges/${created.body.id}`, { hamletCode: 'b-2' });
    expect(byProvince.body).toMatchObject({ hamletCode: 'b-2', communeCode: 'xa-b' });
    // moved to Xã B: now Vị Tân's technician cannot see it, Xã B's can
    expect((await as('tech-a', 'GET', `/api/v1/edges/${created.body.id}`)).status).toBe(404);
    expect((await as('tech-b', 'GET', `/api/v1/edges/${created.body.id}`)).status).toBe(200);
    expect((await as('province', 'DELETE', `/api/v1/edges/${created.body.id}`)).status).toBe(204);
  });

  it("shows loudspeaker zones and alarms of the person's commune's boxes only", async () => {
    const speakers = (who: string) => ({ telemetryIntervalS: 10, radio: { speakers: [{ zone: `loa-${who}`, driver: 'sim', target: '127.0.0.1:9', volume: 80 }] } });
    expect((await as('province', 'PUT', `/api/v1/edges/${boxA}/config`, speakers('a'))).status).toBe(200);
    expect((await as('province', 'PUT', `/api/v1/edges/${boxB}/config`, speakers('b'))).status).toBe(200);
    const zones = async (who: string) => ((await as(who, 'GET', '/api/v1/speakers')).body.zones as { edgeId: string }[]).map((z) => z.edgeId).sort();
    expect(await zones('op-a')).toEqual([boxA]);
    expect(await zones('tech-b')).toEqual([boxB]);
    expect(await zones('province')).toEqual([boxA, boxB].sort());

    const insert = test.cloud.db.prepare("INSERT INTO speaker_alarms (edge_id, zone, state, reason, down_since, raised_at, commune_code) VALUES (?, ?, 'offline', 'timeout', 1, 2, ?)");
    insert.run(boxA, 'loa-a', 'vi-tan');
    insert.run(boxB, 'loa-b', 'xa-b');
    try {
      const alarms = async (who: string) => ((await as(who, 'GET', '/api/v1/speakers/alarms')).body.alarms as { edgeId: string }[]).map((a) => a.edgeId).sort();
      expect(await alarms('op-a')).toEqual([boxA]);
      expect(await alarms('tech-b')).toEqual([boxB]);
      expect(await alarms('province')).toEqual([boxA, boxB].sort());
      // the console's banner and page likewise
      const page = await consolePage('op-a', '/speakers');
      expect(page.text).toContain('loa-a');
      expect(page.text).not.toContain('loa-b');
      expect(page.text).not.toContain('Tủ Ấp B1');
    } finally {
      test.cloud.db.prepare('DELETE FROM speaker_alarms').run();
    }
  });

  const consolePage = async (who: string, path: string) => {
    const session = token[who]!;
    const res = await test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${session}`, 'x-csrf-token': csrfTokenFor(session) } });
    return { status: res.status, text: await res.text() };
  };

  it("answers the pages of another commune's box and its cameras with the 404 page of a box that does not exist", async () => {
    for (const path of [`/fleet/boxes/${boxB}`, `/fleet/boxes/${boxB}/cameras/cong`]) {
      const theirs = await consolePage('tech-a', path);
      const none = await consolePage('tech-a', path.replace(boxB, 'edg_doesnotexist'));
      expect(theirs.status, path).toBe(404);
      expect(theirs.text.replaceAll(boxB, 'ID')).toBe(none.text.replaceAll('edg_doesnotexist', 'ID'));
    }
    expect((await consolePage('tech-a', `/fleet/boxes/${boxA}`)).status).toBe(200);
    expect((await consolePage('province', `/fleet/boxes/${boxB}`)).status).toBe(200);
  });

  it("draws the technician's plan with their commune's hamlets only", async () => {
    const a = await consolePage('tech-a', '/fleet');
    expect(a.status).toBe(200);
    expect(a.text.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(9);
    expect(a.text).not.toContain('Ấp B1');
    const b = await consolePage('tech-b', '/fleet');
    expect(b.text.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(2);
    expect(b.text).toContain('Ấp B1');
    expect(b.text).not.toContain('Ấp 2A');
  });

  it("draws a province-level person's plan commune by commune, every hamlet, with a commune filter", async () => {
    const all = await consolePage('province', '/fleet');
    expect(all.status).toBe(200);
    // 9 hamlets of Vị Tân and 2 of Xã B: none left out
    expect(all.text.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(11);
    expect(all.text.match(/<h3 id="plan-[\w-]+-heading">[^<]+<\/h3>/g)).toEqual(['<h3 id="plan-xa-b-heading">Xã B</h3>', '<h3 id="plan-vi-tan-heading">Xã Vị Tân</h3>']);
    expect(all.text).toContain('<title id="plan-svg-title-xa-b">Sơ đồ các ấp của Xã B</title>');
    expect(all.text).toContain('<select id="fleet-commune" name="commune"><option value="">Tất cả các xã</option>');
    expect(all.text.match(/<optgroup label="[^"]+">/g)).toEqual(['<optgroup label="Xã B">', '<optgroup label="Xã Vị Tân">']);
    expect(all.text).toContain('<h2>Các tủ · Xã B</h2>');

    const one = await consolePage('province', '/fleet?commune=xa-b');
    expect(one.text.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(2);
    expect(one.text).toContain('<option value="xa-b" selected>Xã B</option>');
    expect(one.text).not.toContain('Ấp 2A');
    // an unknown commune is no filter; a commune's person keeps their own whatever they ask for, without a filter
    expect((await consolePage('province', '/fleet?commune=khong-co')).text.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(11);
    const theirs = await consolePage('tech-b', '/fleet?commune=vi-tan');
    expect(theirs.text.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(2);
    expect(theirs.text).not.toContain('fleet-commune');
  });

  describe('releases and rollouts', () => {
    let rolloutBoth: string;
    let rolloutB: string;
    beforeAll(async () => {
      const store = test.cloud.releases.rollouts;
      const make = (id: string, edgeIds: string[]) =>
        store.create({
          id,
          version: '9.9.9',
          scope: { kind: 'edges', edgeIds },
          waves: [],
          soakS: 0,
          failureThreshold: 0,
          createdBy: 'admin',
          at: Date.now(),
          boxes: edgeIds.map((edgeId) => ({ edgeId, wave: 0, fromVersion: '1.0.0' })),
        });
      rolloutBoth = 'rol_scopeboth';
      rolloutB = 'rol_onlyb';
      // a rollout needs its release stored (only the row: these tests never download the bundle)
      const manifest = { version: '9.9.9', arch: 'x64', product: 'edge', files: [{ path: 'a', bytes: 1, sha256: 'x' }], minCloudVersion: null, contractVersion: '3' } as unknown as ReleaseManifest;
      await test.cloud.releases.store.insert({ manifest, manifestJson: JSON.stringify(manifest), bytes: 1, sha256: 's-9.9.9', fileName: '9.9.9.tar', uploadedBy: 'admin', at: Date.now() });
      // a box is in one rollout under way at a time: Xã B's own rollout came first and was cancelled
      expect(await make(rolloutB, [boxB])).toBe('created');
      expect(await store.update(rolloutB, { state: 'cancelled', finishedAt: Date.now() }, Date.now(), { states: ['running'] })).toBe(true);
      expect(await make(rolloutBoth, [boxA, boxB])).toBe('created');
      await test.cloud.releases.rollouts.updateBox(rolloutBoth, boxB, { state: 'failed', reason: 'disk full' }, Date.now());
      // as the engine pauses it: the reason names the box that failed, of Xã B
      await test.cloud.releases.rollouts.update(rolloutBoth, { state: 'paused', pausedReason: 'wave 1: 1 of 2 boxes failed (threshold 0 %) — Tủ Ấp B1: disk full' }, Date.now());
    });

    it('uploading a release and starting or stopping a rollout are province-level: a commune admin is refused', async () => {
      expect((await as('admin-a', 'POST', '/api/v1/rollouts', { version: '9.9.9', scope: { kind: 'commune' } })).status).toBe(403);
      expect((await as('admin-a', 'POST', `/api/v1/rollouts/${rolloutBoth}/pause`)).status).toBe(403);
      expect((await as('admin-a', 'POST', `/api/v1/rollouts/${rolloutBoth}/cancel`)).status).toBe(403);
      const upload = await test.cloud.app.request('/api/v1/releases', { method: 'POST', headers: { authorization: `Bearer ${token['admin-a']}` }, body: 'not a bundle' });
      expect(upload.status).toBe(403);
      // the province's admin gets past the permission (and is refused for the bundle itself)
      const provinceUpload = await test.cloud.app.request('/api/v1/releases', { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}` }, body: 'not a bundle' });
      expect(provinceUpload.status).toBe(422);
    });

    it("shows a commune technician the rollouts that reach their boxes, counted over their boxes only", async () => {
      const listed = (await as('tech-a', 'GET', '/api/v1/rollouts')).body.rollouts as { id: string; total: number; counts: Record<string, number> }[];
      expect(listed.map((r) => r.id)).toEqual([rolloutBoth]);
      expect(listed[0]).toMatchObject({ total: 1, counts: { sent: 0, pending: 1, failed: 0 } });
      const one = await as('tech-a', 'GET', `/api/v1/rollouts/${rolloutBoth}`);
      expect(one.body.boxes.map((b: { edgeId: string }) => b.edgeId)).toEqual([boxA]);
      expect(one.body.total).toBe(1);

      const none = await as('tech-a', 'GET', `/api/v1/rollouts/${rolloutB}`);
      const missing = await as('tech-a', 'GET', '/api/v1/rollouts/rol_nothere');
      expect(none.status).toBe(404);
      expect(JSON.stringify(none.body).replace(rolloutB, 'ID')).toBe(JSON.stringify(missing.body).replace('rol_nothere', 'ID'));

      // paused, without the reason that names another commune's box; the province reads it whole
      expect(one.body).toMatchObject({ state: 'paused', pausedReason: null });
      expect((await as('province', 'GET', `/api/v1/rollouts/${rolloutBoth}`)).body.pausedReason).toContain('Tủ Ấp B1');
      const theirs = (await as('tech-b', 'GET', `/api/v1/rollouts/${rolloutBoth}`)).body;
      expect(theirs).toMatchObject({ total: 1, counts: { failed: 1 } });
      const all = (await as('province', 'GET', `/api/v1/rollouts/${rolloutBoth}`)).body;
      expect(all.total).toBe(2);
      expect(all.boxes).toHaveLength(2);
      expect(((await as('province', 'GET', '/api/v1/rollouts')).body.rollouts as unknown[]).length).toBe(2);
    });

    it('keeps the console pages of releases and of a rollout to the commune too', async () => {
      const list = await consolePage('tech-a', '/fleet/releases');
      expect(list.status).toBe(200);
      expect(list.text).toContain(rolloutBoth);
      expect(list.text).not.toContain(rolloutB);
      expect(list.text).not.toContain('Tủ Ấp B1');
      const page = await consolePage('tech-a', `/fleet/rollouts/${rolloutBoth}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Tủ chợ Vị Tân');
      expect(page.text).not.toContain('Tủ Ấp B1');
      expect(page.text).not.toContain('disk full');
      expect((await consolePage('tech-a', `/fleet/rollouts/${rolloutB}`)).status).toBe(404);
      expect((await consolePage('province', `/fleet/rollouts/${rolloutB}`)).text).toContain('Tủ Ấp B1');
    });
  });
});
