import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { addCommune, personOf } from '../communes/testing/two-communes.js';
import { connectIncidentEdge, getRaw, incidentEvent, SNAPSHOT, type IncidentEdge } from '../incidents/testing/incident-kit.js';
import { AuditLog } from './audit-log.js';

describe('the audit log per commune', () => {
  let test: TestCloud;
  let edgeB: IncidentEdge;
  let adminA: { token: string };
  let adminB: { token: string };
  let provinceAdmin: { token: string };
  let provincePolice: { token: string };
  const incB = incidentEvent();

  beforeAll(async () => {
    test = await startTestCloud();
    await addCommune(test, 'vi-thuy', 'vt-1');
    edgeB = await connectIncidentEdge(test, 'vt-1');
    adminA = await personOf(test, 'admin-a', 'admin', 'vi-tan');
    adminB = await personOf(test, 'admin-b', 'admin', 'vi-thuy');
    provinceAdmin = await personOf(test, 'admin-tinh', 'admin', null);
    provincePolice = await personOf(test, 'police-tinh', 'police', null);
    await edgeB.publish(incB);
    expect((await edgeB.upload(incB.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    // a province officer looks at commune B's evidence: the entry is commune B's
    expect((await getRaw(test, `/api/v1/incidents/${incB.incidentId}/snapshot.jpg`, provincePolice.token)).status).toBe(200);
  });
  afterAll(async () => {
    await edgeB.close();
    await test.stop();
  });

  const entries = async (token: string, query = '') => {
    const res = await test.request('GET', `/api/v1/audit?limit=500${query}`, undefined, token);
    expect(res.status).toBe(200);
    return res.body.items as { actor: string; action: string; target: string | null; communeCode: string | null }[];
  };

  it("stamps an entry with its object's commune, else its actor's", async () => {
    const audit = new AuditLog(test.cloud.query);
    const read = async (id: number) => (await test.cloud.query.db.selectFrom('audit_log').select('commune_code').where('id', '=', id).executeTakeFirstOrThrow()).commune_code;
    expect(await read(await audit.record({ actor: 'police-tinh', action: 'incident.clip_view', target: `incident:${incB.incidentId}` }))).toBe('vi-thuy');
    expect(await read(await audit.record({ actor: 'admin-a', action: 'test.nothing' }))).toBe('vi-tan');
    expect(await read(await audit.record({ actor: `edge:${edgeB.edgeId}`, action: 'test.box' }))).toBe('vi-thuy');
    expect(await read(await audit.record({ actor: 'admin-a', action: 'test.box', target: `camera:${edgeB.edgeId}/cong-truong` }))).toBe('vi-thuy');
    expect(await read(await audit.record({ actor: 'system', action: 'test.job' }))).toBeNull();
    expect(await read(await audit.record({ actor: 'admin-tinh', action: 'test.province' }))).toBeNull();
    expect(await read(await audit.record({ actor: 'admin-tinh', action: 'test.explicit', communeCode: 'vi-tan' }))).toBe('vi-tan');
  });

  it("shows a commune's admin only their commune's entries, whatever commune they ask for", async () => {
    for (const query of ['', '&commune=vi-thuy']) {
      const mine = await entries(adminA.token, query);
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((e) => e.communeCode))).toEqual(new Set(['vi-tan']));
      expect(mine.some((e) => e.action === 'auth.login' && e.actor === 'admin-a')).toBe(true);
      expect(mine.some((e) => e.target === `incident:${incB.incidentId}`)).toBe(false);
    }
    const theirs = await entries(adminB.token);
    expect(theirs.some((e) => e.actor === 'police-tinh' && e.action === 'incident.snapshot_view' && e.target === `incident:${incB.incidentId}`)).toBe(true);
    expect(new Set(theirs.map((e) => e.communeCode))).toEqual(new Set(['vi-thuy']));
    const csv = (await test.request('GET', '/api/v1/audit.csv', undefined, adminA.token)).body as string;
    expect(csv).toContain('admin-a');
    expect(csv).not.toContain(incB.incidentId);
    expect(csv).not.toContain('admin-b');
  });

  it('shows a province admin every commune and the province, with a commune filter', async () => {
    const all = await entries(provinceAdmin.token);
    expect(new Set(all.map((e) => e.communeCode))).toEqual(new Set(['vi-tan', 'vi-thuy', null]));
    const b = await entries(provinceAdmin.token, '&commune=vi-thuy');
    expect(b.length).toBeGreaterThan(0);
    expect(b.every((e) => e.communeCode === 'vi-thuy')).toBe(true);
  });

  it('names each entry\'s commune in the CSV (code and name), scoped as the list is', async () => {
    const csvRows = async (token: string, query = '') => {
      const csv = (await test.request('GET', `/api/v1/audit.csv${query}`, undefined, token)).body as string;
      const [header, ...rows] = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      expect(header).toBe('id,time,actor,action,target,details,ip,commune_code,commune');
      // the commune columns are the last two (no test entry has a comma after its ip)
      return rows.map((r) => r.split(',').slice(-2));
    };
    const mine = await csvRows(adminA.token);
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((r) => r.join('|')))).toEqual(new Set(['vi-tan|Xã Vị Tân']));
    const provinceWide = new Set((await csvRows(provinceAdmin.token)).map((r) => r.join('|')));
    expect(provinceWide).toEqual(new Set(['vi-tan|Xã Vị Tân', 'vi-thuy|Xã vi-thuy', '|Cấp tỉnh']));
    expect(new Set((await csvRows(provinceAdmin.token, '?commune=vi-thuy')).map((r) => r.join('|')))).toEqual(new Set(['vi-thuy|Xã vi-thuy']));
  });

  it("keeps a commune admin's console page to their commune; the province admin chooses one", async () => {
    const page = async (token: string, path: string) => {
      const res = await test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const mine = await page(adminA.token, '/admin/audit?commune=vi-thuy');
    expect(mine).toContain('admin-a');
    expect(mine).not.toContain(incB.incidentId);
    expect(mine).not.toContain('admin-b');
    expect(mine).not.toContain('id="f-commune"');
    const province = await page(provinceAdmin.token, '/admin/audit?commune=vi-thuy');
    expect(province).toContain('id="f-commune"');
    expect(province).toContain(incB.incidentId);
  });
});
