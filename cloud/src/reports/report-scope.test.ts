import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { addCommune, personOf, VI_THUY } from '../communes/testing/second-commune.js';
import type { DomainEvents } from '../events/domain-events.js';

const FRAME = readFileSync('/work/shared/media/vtest-frame-10s.jpg');

/** Issue 10: a commune's police handle their commune's reports only; another commune's answer 404, like a code nobody was given. */
describe("citizens' reports in a province of two communes", () => {
  let test: TestCloud;
  let viTanPolice: string;
  let viThuyPolice: string;
  let provincePolice: string;
  let ours: string; // a report of Vị Tân
  let theirs: string; // a report of Vị Thủy, with a photo
  const received: DomainEvents['report.received'][] = [];

  beforeAll(async () => {
    test = await startTestCloud();
    await addCommune(test.cloud.query);
    test.cloud.events.subscribe('report.received', (e) => void received.push(e));
    viTanPolice = (await personOf(test, 'police', 'vi-tan', 'cong-an-vi-tan')).token;
    viThuyPolice = (await personOf(test, 'police', VI_THUY.code, 'cong-an-vi-thuy')).token;
    provincePolice = (await personOf(test, 'police', null, 'cong-an-tinh')).token;
    const filed = await test.request('POST', '/api/v1/reports', { category: 'trom-cap', description: 'Mất xe đạp ở sân nhà văn hoá ấp 1', hamlet: 'ap-1' }, null);
    expect(filed.status).toBe(201);
    ours = (filed.body as { code: string }).code;
    const body = new FormData();
    for (const [k, v] of Object.entries({ category: 'gay-roi', description: 'Tụ tập gây ồn ở bến đò Vĩnh Phú sau 23 giờ', hamlet: 'vt-ap-1', phone: '0912345678' })) body.set(k, v);
    body.set('photo', new Blob([FRAME], { type: 'image/jpeg' }), 'anh.jpg');
    const other = await test.cloud.app.request('/api/v1/reports', { method: 'POST', body });
    expect(other.status).toBe(201);
    theirs = ((await other.json()) as { code: string }).code;
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it("files each report under its hamlet's commune, in the database, the public status and the event", async () => {
    const communes = await test.cloud.query.db.selectFrom('reports').select(['code', 'commune_code as commune']).orderBy('created_at').execute();
    expect(communes).toEqual([
      { code: ours, commune: 'vi-tan' },
      { code: theirs, commune: 'vi-thuy' },
    ]);
    expect((await test.request('GET', `/api/v1/reports/${theirs}`, undefined, null)).body).toMatchObject({ communeCode: 'vi-thuy', hamletCode: 'vt-ap-1', hamletName: 'Ấp Vĩnh Phú' });
    expect(received.map((e) => [e.code, e.communeCode])).toEqual([
      [ours, 'vi-tan'],
      [theirs, 'vi-thuy'],
    ]);
  });

  it("lists to a commune's police their commune's reports only, and every report to the province's", async () => {
    const codes = async (token: string, query = '') => ((await test.request('GET', `/api/v1/reports${query}`, undefined, token)).body as { items: { code: string }[]; total: number });
    expect(await codes(viTanPolice)).toMatchObject({ items: [{ code: ours }], total: 1 });
    expect(await codes(viThuyPolice)).toMatchObject({ items: [{ code: theirs }], total: 1 });
    // a filter naming the other commune's hamlet finds nothing rather than that commune's reports
    expect(await codes(viTanPolice, '?hamlet=vt-ap-1')).toMatchObject({ items: [], total: 0 });
    expect((await codes(provincePolice)).items.map((r) => r.code).sort()).toEqual([ours, theirs].sort());
    // a province-level officer may narrow the list to one commune
    expect(await codes(provincePolice, '?commune=vi-thuy')).toMatchObject({ items: [{ code: theirs }], total: 1 });
    // a commune's people always get their own commune's list, whatever commune they name (as incidents and the audit log do)
    expect(await codes(viTanPolice, '?commune=vi-thuy')).toMatchObject({ items: [{ code: ours }], total: 1 });
    expect(await codes(viTanPolice, '?commune=vi-tan')).toMatchObject({ items: [{ code: ours }], total: 1 });
  });

  it("answers another commune's report, photo and change with the same 404 as a code nobody was given, and changes nothing", async () => {
    const nobody = 'ZZZZZZZZ';
    for (const [method, suffix, body] of [
      ['GET', '/details', undefined],
      ['GET', '/photo.jpg', undefined],
      ['PATCH', '', { status: 'resolved', publicReply: 'Đã xử lý' }],
    ] as const) {
      const other = await test.request(method, `/api/v1/reports/${theirs}${suffix}`, body, viTanPolice);
      const none = await test.request(method, `/api/v1/reports/${nobody}${suffix}`, body, viTanPolice);
      expect([method, suffix, other.status]).toEqual([method, suffix, 404]);
      expect(JSON.stringify(other.body).replaceAll(theirs, nobody)).toBe(JSON.stringify(none.body));
    }
    expect((await test.request('GET', `/api/v1/reports/${theirs}`, undefined, null)).body).toMatchObject({ status: 'new', publicReply: null });
    expect((await test.cloud.audit.trail(`report:${theirs}`)).map((e) => e.action)).toEqual(['report.create']);
  });

  it("lets each commune's police and the province's handle what they see", async () => {
    expect((await test.request('GET', `/api/v1/reports/${theirs}/details`, undefined, viThuyPolice)).body).toMatchObject({ phone: '0912345678' });
    expect((await test.request('PATCH', `/api/v1/reports/${theirs}`, { status: 'in_progress' }, viThuyPolice)).status).toBe(200);
    expect((await test.request('PATCH', `/api/v1/reports/${ours}`, { status: 'in_progress' }, provincePolice)).status).toBe(200);
    const photo = await test.cloud.app.request(`/api/v1/reports/${theirs}/photo.jpg`, { headers: { authorization: `Bearer ${provincePolice}` } });
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
  });

  it("shows the console's report queue and a report only within the officer's commune (404 page for another's)", async () => {
    const page = (path: string, token: string) => test.cloud.app.request(path, { headers: { cookie: `sc_session=${token}` } });
    const queue = await (await page('/police/reports', viTanPolice)).text();
    expect(queue).toContain(`/police/reports/${ours}`);
    expect(queue).not.toContain(theirs);
    expect((await page(`/police/reports/${theirs}`, viTanPolice)).status).toBe(404);
    expect((await page(`/police/reports/${ours}`, viTanPolice)).status).toBe(200);
    expect(await (await page('/police/reports', provincePolice)).text()).toContain(theirs);
  });
});
