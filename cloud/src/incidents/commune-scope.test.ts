import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCloudDatabase } from '../db/database.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { FootageStore } from '../footage/footage-store.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { addCommune, personOf } from '../communes/testing/two-communes.js';
import { sqliteQueryDatabase } from '../db/query/index.js';
import { queueQueries } from './incident-rows.js';
import { connectIncidentEdge, getRaw, incidentEvent, SNAPSHOT, type IncidentEdge } from './testing/incident-kit.js';

describe('incidents, their evidence and footage requests per commune', () => {
  let test: TestCloud;
  let edgeA: IncidentEdge;
  let edgeB: IncidentEdge;
  let policeA: { id: string; token: string };
  let policeB: { id: string; token: string };
  let provincePolice: { id: string; token: string };
  const incA = incidentEvent({ detectedAt: Date.now() - 5000 });
  const incB = incidentEvent({ detectedAt: Date.now() - 4000 });

  beforeAll(async () => {
    test = await startTestCloud();
    await addCommune(test, 'vi-thuy', 'vt-1');
    edgeA = await connectIncidentEdge(test, 'ap-1');
    edgeB = await connectIncidentEdge(test, 'vt-1');
    policeA = await personOf(test, 'police-a', 'police', 'vi-tan');
    policeB = await personOf(test, 'police-b', 'police', 'vi-thuy');
    provincePolice = await personOf(test, 'police-tinh', 'police', null);
    await edgeA.publish(incA);
    await edgeB.publish(incB);
    expect((await edgeB.upload(incB.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
  });
  afterAll(async () => {
    await edgeA.close();
    await edgeB.close();
    await test.stop();
  });

  const ids = async (token: string, query = '') => {
    const res = await test.request('GET', `/api/v1/incidents${query}`, undefined, token);
    expect(res.status).toBe(200);
    return { ids: (res.body.items as { id: string }[]).map((i) => i.id), total: res.body.total as number, communes: (res.body.items as { communeCode: string }[]).map((i) => i.communeCode) };
  };

  it("stamps each incident with its box's commune", async () => {
    expect(await ids(provincePolice.token)).toEqual({ ids: [incB.incidentId, incA.incidentId], total: 2, communes: ['vi-thuy', 'vi-tan'] });
  });

  it("shows a commune's police only their commune's queue, whatever commune they ask for", async () => {
    expect(await ids(policeA.token)).toEqual({ ids: [incA.incidentId], total: 1, communes: ['vi-tan'] });
    expect(await ids(policeA.token, '?commune=vi-thuy')).toEqual({ ids: [incA.incidentId], total: 1, communes: ['vi-tan'] });
    expect((await ids(policeB.token)).ids).toEqual([incB.incidentId]);
  });

  it('lets a province officer filter the queue by commune', async () => {
    expect((await ids(provincePolice.token, '?commune=vi-thuy')).ids).toEqual([incB.incidentId]);
    expect((await ids(provincePolice.token, '?commune=vi-tan')).ids).toEqual([incA.incidentId]);
    expect((await test.request('GET', '/api/v1/incidents?commune=Not%20A%20Code', undefined, provincePolice.token)).status).toBe(400);
  });

  it("answers another commune's incident, its notes, review, files and export exactly like a missing one", async () => {
    const other = incB.incidentId;
    const missing = 'inc_doesnotexist00';
    const as = (method: string, path: string, body?: unknown) => test.request(method, path, body, policeA.token);
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { status: 'reviewing' }],
      ['POST', '/notes', { text: 'ghi chú' }],
    ] as const) {
      const theirs = await as(method, `/api/v1/incidents/${other}${suffix}`, body);
      const none = await as(method, `/api/v1/incidents/${missing}${suffix}`, body);
      expect([theirs.status, none.status], `${method} ${suffix}`).toEqual([404, 404]);
      expect(theirs.body.error.code).toBe(none.body.error.code);
      expect(theirs.body.error.message).toBe(`incident ${other} not found`);
    }
    for (const file of ['snapshot.jpg', 'clip.mp4', 'export.zip', 'objects/7/snapshot.jpg', 'parts/0/clip.mp4']) {
      expect((await getRaw(test, `/api/v1/incidents/${other}/${file}`, policeA.token)).status, file).toBe(404);
    }
    // nothing changed: the other commune's officer still finds it new, with no note
    const seen = await test.request('GET', `/api/v1/incidents/${other}`, undefined, policeB.token);
    expect(seen.body).toMatchObject({ status: 'new', notes: [] });
    expect((await getRaw(test, `/api/v1/incidents/${other}/snapshot.jpg`, policeB.token)).status).toBe(200);
    expect((await getRaw(test, `/api/v1/incidents/${other}/snapshot.jpg`, provincePolice.token)).status).toBe(200);
  });

  it("cannot hand an incident to another commune's officer, who could not open it", async () => {
    const res = await test.request('PATCH', `/api/v1/incidents/${incA.incidentId}`, { assigneeId: policeB.id }, policeA.token);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`no user ${policeB.id}`);
    const province = await test.request('PATCH', `/api/v1/incidents/${incA.incidentId}`, { assigneeId: provincePolice.id }, policeA.token);
    expect(province.status).toBe(200);
  });

  it("keeps footage requests to the commune of the box they were asked of", async () => {
    const store = new FootageStore(test.cloud.query);
    const reqA = await store.create({ edgeId: edgeA.edgeId, cameraId: 'cong-truong', fromMs: 1, toMs: 2, reason: 'trộm ở xã A', requestedBy: 'police-a' });
    const reqB = await store.create({ edgeId: edgeB.edgeId, cameraId: 'cong-truong', fromMs: 1, toMs: 2, reason: 'trộm ở xã B', requestedBy: 'police-b' });
    expect([reqA.communeCode, reqB.communeCode]).toEqual(['vi-tan', 'vi-thuy']);
    const list = async (token: string, query = '') => ((await test.request('GET', `/api/v1/footage-requests${query}`, undefined, token)).body.items as { id: string }[]).map((r) => r.id);
    expect(await list(policeA.token)).toEqual([reqA.id]);
    expect(await list(policeA.token, '?commune=vi-thuy')).toEqual([reqA.id]);
    expect((await list(provincePolice.token)).sort()).toEqual([reqA.id, reqB.id].sort());
    expect(await list(provincePolice.token, '?commune=vi-thuy')).toEqual([reqB.id]);
    const theirs = await test.request('GET', `/api/v1/footage-requests/${reqB.id}`, undefined, policeA.token);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.message).toBe(`footage request ${reqB.id} not found`);
    // asking another commune's camera: the box is not found, like one that does not exist
    const ask = await test.request('POST', `/api/v1/cameras/${edgeB.edgeId}/cong-truong/footage-requests`, { from: '2026-12-06T22:00', to: '2026-12-06T22:05', reason: 'trộm' }, policeA.token);
    expect(ask.status).toBe(404);
    expect(ask.body.error.message).toBe(`edge ${edgeB.edgeId} not found`);
    // the console's footage page lists the officer's commune's requests only
    const page = async (token: string) => (await test.cloud.app.request('/police/footage', { headers: { cookie: `${SESSION_COOKIE}=${token}` } })).text();
    const mine = await page(policeA.token);
    expect(mine).toContain('trộm ở xã A');
    expect(mine).not.toContain('trộm ở xã B');
    const province = await page(provincePolice.token);
    expect(province).toContain('trộm ở xã A');
    expect(province).toContain('trộm ở xã B');
  });

  it("keeps citizens' reports to the commune of their hamlet for police, in the API and the console", async () => {
    const file = async (hamlet: string) => {
      const res = await test.request('POST', '/api/v1/reports', { category: 'trom-cap', description: `Mất xe máy ở ${hamlet}`, hamlet });
      expect(res.status).toBe(201);
      return res.body.code as string;
    };
    const codeA = await file('ap-1');
    const codeB = await file('vt-1');
    const list = async (token: string, query = '') => ((await test.request('GET', `/api/v1/reports${query}`, undefined, token)).body.items as { code: string }[]).map((r) => r.code);
    expect(await list(policeA.token)).toEqual([codeA]);
    expect(await list(policeA.token, '?commune=vi-thuy')).toEqual([codeA]);
    expect((await list(provincePolice.token)).sort()).toEqual([codeA, codeB].sort());
    expect(await list(provincePolice.token, '?commune=vi-thuy')).toEqual([codeB]);
    for (const [method, path, body] of [
      ['GET', `/api/v1/reports/${codeB}/details`, undefined],
      ['GET', `/api/v1/reports/${codeB}/photo.jpg`, undefined],
      ['PATCH', `/api/v1/reports/${codeB}`, { status: 'in_progress' }],
    ] as const) {
      const res = await test.request(method, path, body, policeA.token);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.message).toBe(`report ${codeB} not found`);
    }
    expect((await test.request('GET', `/api/v1/reports/${codeB}/details`, undefined, policeB.token)).status).toBe(200);
    const page = (token: string, path: string) => test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect((await page(policeA.token, `/police/reports/${codeB}`)).status).toBe(404);
    expect((await page(policeA.token, `/police/reports/${codeA}`)).status).toBe(200);
    const queue = await (await page(policeA.token, '/police/reports')).text();
    expect(queue).toContain(codeA);
    expect(queue).not.toContain(codeB);
  });

  it("shows a commune's officer only their queue in the console, and another commune's item as not found", async () => {
    const page = (token: string, path: string) => test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    const rows = (html: string) => [...html.matchAll(/data-incident="([^"]+)"/g)].map((m) => m[1]);
    const mine = await (await page(policeA.token, '/police/incidents?commune=vi-thuy')).text();
    expect(rows(mine)).toEqual([incA.incidentId]);
    expect(mine).not.toContain('id="f-commune"');
    expect(mine).not.toContain('vt-1');
    expect((await page(policeA.token, `/police/incidents/${incB.incidentId}`)).status).toBe(404);
    expect((await page(policeA.token, `/police/incidents/${incA.incidentId}`)).status).toBe(200);
    // the province officer chooses a commune
    const province = await (await page(provincePolice.token, '/police/incidents?commune=vi-thuy')).text();
    expect(province).toContain('id="f-commune"');
    expect(rows(province)).toEqual([incB.incidentId]);
  });
});

describe("the commune police queue's query plan", () => {
  it('reads one commune\'s page in order from an index, with no sort, alerts or all', () => {
    const db = openCloudDatabase(':memory:');
    try {
      const cases = [
        { filter: { communeCode: 'vi-tan', severity: 'alert' as const }, index: /SEARCH i USING INDEX incidents_commune_severity_queue \(commune_code=\? AND severity=\?\)/ },
        { filter: { communeCode: 'vi-tan' }, index: /SEARCH i USING INDEX incidents_commune_queue \(commune_code=\?\)/ },
        // the officer's "waiting" count and the status filter
        { filter: { communeCode: 'vi-tan', severity: 'alert' as const, status: 'new' as const }, index: /SEARCH i USING INDEX incidents_commune_status_queue \(commune_code=\? AND status=\? AND severity=\?\)/ },
      ];
      for (const { filter, index } of cases) {
        const q = queueQueries(sqliteQueryDatabase(db).db, filter, 20, 0);
        const explain = (compiled: { sql: string; parameters: readonly unknown[] }) =>
          (db.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...compiled.parameters) as { detail: string }[]).map((r) => r.detail).join('\n');
        const plan = explain(q.page.compile());
        expect(plan, JSON.stringify(filter)).toMatch(index);
        expect(plan).not.toContain('TEMP B-TREE');
        const count = explain(q.count.compile());
        expect(count, JSON.stringify(filter)).toMatch(/USING COVERING INDEX incidents_commune/);
      }
      // the queue's camera and class choices for one commune come from covering indexes, not the commune's rows
      const choices = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('vi-tan') as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(choices('SELECT DISTINCT camera_id FROM incidents WHERE commune_code = ? ORDER BY 1')).toMatch(/COVERING INDEX incidents_commune_camera/);
      expect(choices('SELECT label FROM incidents WHERE commune_code = ?')).toMatch(/COVERING INDEX incidents_commune_label/);
    } finally {
      db.close();
    }
  });
});
