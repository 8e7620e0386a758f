import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { addCommune, VI_THUY } from '../../communes/testing/second-commune.js';
import { insertBulletin, insertDailySchedule, toneAsset } from '../../radio/testing/radio-test-kit.js';

/** A bulletin of a commune (null: the province's own), on the air daily: a public notice. */
async function notice(test: TestCloud, title: string, communeCode: string | null, seconds: number) {
  const bulletin = await insertBulletin(test.cloud.query, { title, seconds, text: `${title}.` });
  await test.cloud.query.db.updateTable('bulletins').set({ commune_code: communeCode }).where('id', '=', bulletin.id).execute();
  await insertDailySchedule(test.cloud.query, { bulletinId: bulletin.id, title, durationMs: bulletin.durationMs, communeCode });
  // the audio itself, in the cloud's media store
  await test.cloud.media.put(test.cloud.radio.bulletins.assets.keyOf(bulletin.asset), { file: toneAsset(seconds).file }, { maxBytes: bulletin.asset.bytes });
  return bulletin;
}

/** The commune a citizen's report was filed under, by its code. */
async function reportCommuneOf(test: TestCloud, code: string): Promise<string | null | undefined> {
  return (await test.cloud.query.db.selectFrom('reports').select('commune_code').where('code', '=', code).executeTakeFirst())?.commune_code;
}

async function reportCountOf(test: TestCloud): Promise<number> {
  return (await test.cloud.query.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
}

const form = (fields: Record<string, string>) => {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return body;
};
const good = { category: 'gay-roi', description: 'Tụ tập gây ồn ở bến đò sau 23 giờ đêm' };
const entries = (xml: string): { title: string; id: string }[] => new XMLParser({ isArray: (name) => name === 'entry' }).parse(xml).feed.entry ?? [];

describe("a single-commune install's citizens' pages", () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('keeps the old addresses for its one commune, and answers at the commune’s own address and on the province page too', async () => {
    const get = (path: string) => test.cloud.app.request(path);
    const old = await get('/phan-anh');
    expect(old.status).toBe(200);
    const page = await old.text();
    expect(page).toContain('Xã Vị Tân');
    expect(page).toContain('action="/phan-anh"');
    expect(page).not.toContain('Các xã khác trong tỉnh'); // the old addresses do not lead to a list of one
    expect((await get('/thong-bao')).status).toBe(200);
    const own = await (await get('/xa/vi-tan/phan-anh')).text();
    expect(own).toContain('action="/xa/vi-tan/phan-anh"');
    expect([...own.matchAll(/<option value="(ap-[^"]+)"/g)]).toHaveLength(9); // the pilot's nine hamlets
    const province = await (await get('/xa')).text();
    expect(province).toContain('href="/xa/vi-tan/phan-anh"');
    expect(province).toContain('href="/xa/vi-tan/thong-bao"');

    const posted = await test.cloud.app.request('/phan-anh', { method: 'POST', body: form({ ...good, hamlet: 'ap-2' }) });
    expect(posted.status).toBe(303);
    const code = /^\/phan-anh\/([0-9A-Z]{8})\?moi=1$/.exec(posted.headers.get('location')!)![1]!;
    expect(await reportCommuneOf(test, code)).toBe('vi-tan');
    expect((await get(`/phan-anh/${code}`)).status).toBe(200);
    expect((await get(`/xa/vi-tan/phan-anh/${code}`)).status).toBe(200);
  });

  it('keeps the old feed’s id and links, and gives the commune’s own address its own', async () => {
    await notice(test, 'Lịch tiêm phòng', null, 2);
    const old = await (await test.cloud.app.request('/thong-bao/atom.xml')).text();
    const feed = (xml: string) => new XMLParser({ ignoreAttributes: false }).parse(xml).feed;
    expect(feed(old).id).toMatch(/^http:\/\/[^/]+\/thong-bao$/);
    expect(entries(old).map((e) => e.title)).toEqual(['Lịch tiêm phòng']);
    const own = await (await test.cloud.app.request('/xa/vi-tan/thong-bao/atom.xml')).text();
    expect(XMLValidator.validate(own)).toBe(true);
    expect(feed(own).id).toMatch(/^http:\/\/[^/]+\/xa\/vi-tan\/thong-bao$/);
    expect(own).toMatch(/href="http:\/\/[^/"]+\/xa\/vi-tan\/thong-bao\/bul_[^/"]+\/audio"/);
  });
});

describe("citizens' pages in a province of two communes", () => {
  let test: TestCloud;
  const get = (path: string) => test.cloud.app.request(path);
  const post = (path: string, fields: Record<string, string>) => test.cloud.app.request(path, { method: 'POST', body: form(fields) });
  let viTanNotice: Awaited<ReturnType<typeof notice>>;
  let viThuyNotice: Awaited<ReturnType<typeof notice>>;
  let provinceNotice: Awaited<ReturnType<typeof notice>>;

  beforeAll(async () => {
    test = await startTestCloud();
    await addCommune(test.cloud.query);
    viTanNotice = await notice(test, 'Vị Tân: họp dân ấp 1', 'vi-tan', 2);
    viThuyNotice = await notice(test, 'Vị Thủy: nạo vét kênh Vĩnh Phú', VI_THUY.code, 3);
    provinceNotice = await notice(test, 'Tỉnh: phòng chống bão số 9', null, 4);
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('lists the communes on the province page, each with its notices and its report form, Vietnamese first', async () => {
    const res = await get('/xa');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<html lang="vi">');
    expect(page).toContain('Các xã trong tỉnh');
    expect(page.indexOf('Xã Vị Tân')).toBeLessThan(page.indexOf('Xã Vị Thủy')); // in Vietnamese name order
    for (const code of ['vi-tan', 'vi-thuy']) for (const what of ['thong-bao', 'phan-anh']) expect(page).toContain(`href="/xa/${code}/${what}"`);
    expect(page).toContain('action="/phan-anh/tra-cuu"'); // a code is followed without choosing a commune
    expect(await (await get('/xa?lang=en')).text()).toContain('Communes of the province');
  });

  it("shows a commune's form with its name and its hamlets only, and files a report there under it", async () => {
    const page = await (await get('/xa/vi-thuy/phan-anh')).text();
    expect(page).toContain('Xã Vị Thủy');
    expect(page).toContain('Huyện Vị Thủy, Tỉnh Hậu Giang');
    const select = /<select id="hamlet".*?<\/select>/s.exec(page)![0];
    const hamlets = [...select.matchAll(/<option value="([a-z0-9-]+)"/g)].map((m) => m[1]);
    expect(hamlets).toEqual(['vt-ap-1', 'vt-ap-2']);
    expect(page).toContain('action="/xa/vi-thuy/phan-anh"');
    expect(page).toContain('href="/xa"'); // back to the list of communes

    const posted = await post('/xa/vi-thuy/phan-anh', { ...good, hamlet: 'vt-ap-2' });
    expect(posted.status).toBe(303);
    const code = /^\/xa\/vi-thuy\/phan-anh\/([0-9A-Z]{8})\?moi=1$/.exec(posted.headers.get('location')!)![1]!;
    expect(await test.cloud.query.db.selectFrom('reports').select(['commune_code', 'hamlet_code']).where('code', '=', code).executeTakeFirst()).toEqual({ commune_code: 'vi-thuy', hamlet_code: 'vt-ap-2' });
    const status = await (await get(`/xa/vi-thuy/phan-anh/${code}`)).text();
    expect(status).toContain('Ấp Vĩnh Thuận');
    expect(status).toContain('href="/xa/vi-thuy/phan-anh"');
    // the same code under the other commune's address is no report at all
    const elsewhere = await get(`/xa/vi-tan/phan-anh/${code}`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.text()).not.toContain('Ấp Vĩnh Thuận');
    expect((await get(`/xa/vi-tan/phan-anh/tra-cuu?code=${code}`)).headers.get('location')).toBe(`/xa/vi-tan/phan-anh/${code}`);
  });

  it("refuses a hamlet of another commune on a commune's form, naming the commune, and keeps what was typed", async () => {
    const before = await reportCountOf(test);
    const refused = await post('/xa/vi-thuy/phan-anh', { ...good, hamlet: 'ap-1' });
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain('role="alert"');
    expect(page).toContain('Thôn &quot;ap-1&quot; không thuộc Xã Vị Thủy');
    expect(page).toContain(good.description);
    expect(await reportCountOf(test)).toBe(before);
  });

  it("refuses a photo far over the limit on a commune's form before reading it, with that commune's form", async () => {
    const body = form({ ...good, hamlet: 'vt-ap-1' });
    body.set('photo', new Blob([Buffer.alloc(11 * 1024 * 1024)], { type: 'image/jpeg' }), 'anh.jpg');
    const refused = await test.cloud.app.request('/xa/vi-thuy/phan-anh', { method: 'POST', body });
    expect(refused.status).toBe(413);
    const page = await refused.text();
    expect(page).toContain('Ảnh quá lớn; tối đa 10 MB.');
    expect(page).toContain('action="/xa/vi-thuy/phan-anh"');
  });

  it('answers 404 for a commune that does not exist, with the list of those that do', async () => {
    for (const path of ['/xa/khong-co/phan-anh', '/xa/khong-co/thong-bao', '/xa/khong-co/phan-anh/7KQ2M9XH']) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).toContain('href="/xa/vi-thuy/phan-anh"');
    }
    expect((await get('/xa/khong-co/thong-bao/atom.xml')).status).toBe(404);
    expect((await post('/xa/khong-co/phan-anh', { ...good, hamlet: 'ap-1' })).status).toBe(404);
  });

  it("lists on a commune's notices and feed its own and the province's, never another commune's", async () => {
    const page = await (await get('/xa/vi-thuy/thong-bao')).text();
    expect(page).toContain('Vị Thủy: nạo vét kênh Vĩnh Phú');
    expect(page).toContain('Tỉnh: phòng chống bão số 9');
    expect(page).not.toContain('Vị Tân: họp dân ấp 1');
    expect(page).toContain(`src="/xa/vi-thuy/thong-bao/${viThuyNotice.id}/audio"`);
    expect(page).toContain('href="/xa/vi-thuy/thong-bao/atom.xml"');
    const xml = await (await get('/xa/vi-thuy/thong-bao/atom.xml')).text();
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(new XMLParser().parse(xml).feed.title).toBe('Thông báo của xã — Xã Vị Thủy');
    expect(entries(xml).map((e) => e.title).sort()).toEqual(['Tỉnh: phòng chống bão số 9', 'Vị Thủy: nạo vét kênh Vĩnh Phú']);
    expect(entries(await (await get('/xa/vi-tan/thong-bao/atom.xml')).text()).map((e) => e.title).sort()).toEqual(['Tỉnh: phòng chống bão số 9', 'Vị Tân: họp dân ấp 1']);
    // audio: its own and the province's play, another commune's is not there
    expect((await get(`/xa/vi-thuy/thong-bao/${viThuyNotice.id}/audio`)).status).toBe(200);
    expect((await get(`/xa/vi-thuy/thong-bao/${provinceNotice.id}/audio`)).status).toBe(200);
    expect((await get(`/xa/vi-thuy/thong-bao/${viTanNotice.id}/audio`)).status).toBe(404);
  });

  it('sends the old addresses to the list of communes, a tracking code to its commune, an open old form to its hamlet’s commune; the old feed is the province’s', async () => {
    for (const path of ['/phan-anh', '/thong-bao']) {
      const res = await get(path);
      expect([path, res.status, res.headers.get('location')]).toEqual([path, 302, '/xa']);
    }
    // a form opened before the second commune was added: filed under its hamlet's commune
    const posted = await post('/phan-anh', { ...good, hamlet: 'vt-ap-1' });
    expect(posted.status).toBe(303);
    const code = /^\/xa\/vi-thuy\/phan-anh\/([0-9A-Z]{8})\?moi=1$/.exec(posted.headers.get('location')!)![1]!;
    expect(await reportCommuneOf(test, code)).toBe('vi-thuy');
    const unknown = await post('/phan-anh', { ...good, hamlet: 'khong-co' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('hãy chọn xã nơi bạn ở');

    expect((await get(`/phan-anh/${code}`)).headers.get('location')).toBe(`/xa/vi-thuy/phan-anh/${code}`);
    expect((await get(`/phan-anh/${code}?moi=1`)).headers.get('location')).toBe(`/xa/vi-thuy/phan-anh/${code}?moi=1`);
    expect((await get(`/phan-anh/tra-cuu?code=${code.toLowerCase()}`)).headers.get('location')).toBe(`/xa/vi-thuy/phan-anh/${code}`);
    expect((await get('/phan-anh/ZZZZZZZZ')).status).toBe(404);
    expect((await get('/phan-anh/tra-cuu?code=ZZZZZZZZ')).status).toBe(404);
    expect((await get('/phan-anh/tra-cuu?code=x')).status).toBe(400);

    const feed = await (await get('/thong-bao/atom.xml')).text();
    expect(entries(feed).map((e) => e.title)).toEqual(['Tỉnh: phòng chống bão số 9']);
    expect(new XMLParser().parse(feed).feed.title).toBe('Thông báo của tỉnh — Tỉnh Hậu Giang');
    // enclosures of feeds read before: any published notice still plays at its old address
    expect((await get(`/thong-bao/${viTanNotice.id}/audio`)).status).toBe(200);
  });

  it('leaves a retired commune off the list and its form closed (410), its reports still followed; one commune left serves the old addresses again', async () => {
    const filed = await post('/xa/vi-thuy/phan-anh', { ...good, hamlet: 'vt-ap-1' });
    const location = filed.headers.get('location')!.replace('?moi=1', '');
    await test.cloud.query.db.updateTable('communes').set({ retired_at: Date.now() }).where('code', '=', VI_THUY.code).execute();
    try {
      expect(await (await get('/xa')).text()).not.toContain('Xã Vị Thủy');
      const closed = await get('/xa/vi-thuy/phan-anh');
      expect(closed.status).toBe(410);
      expect(await closed.text()).toContain('Xã Vị Thủy không còn nhận phản ánh');
      expect((await post('/xa/vi-thuy/phan-anh', { ...good, hamlet: 'vt-ap-1' })).status).toBe(410);
      // the API refuses it too: nobody would handle it
      const api = await test.request('POST', '/api/v1/reports', { ...good, hamlet: 'vt-ap-1' }, null);
      expect(api.status).toBe(400);
      expect((await get(location)).status).toBe(200);
      expect((await get('/phan-anh')).status).toBe(200);
      expect(await (await get('/phan-anh')).text()).toContain('Xã Vị Tân');
    } finally {
      await test.cloud.query.db.updateTable('communes').set({ retired_at: null }).where('code', '=', VI_THUY.code).execute();
    }
  });
});
