import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { insertBulletin, insertDailySchedule } from '../../radio/testing/radio-test-kit.js';
import { minutesAndSeconds } from './public-markup.js';

const FRAME = readFileSync('/work/shared/media/vtest-frame-10s.jpg');

describe("citizens' pages", () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('lists scheduled bulletins in a valid, escaped Atom 1.0 feed, never drafts', async () => {
    const published = await insertBulletin(test.cloud.query, { title: 'Lịch tiêm phòng <dại> & "cúm"', seconds: 2, text: 'Sáng thứ Hai, tại trạm y tế xã & nhà văn hoá ấp 1 <8 giờ>.' });
    const draft = await insertBulletin(test.cloud.query, { title: 'Bản nháp chưa phát', seconds: 2, text: 'Chưa duyệt' });
    await insertDailySchedule(test.cloud.query, { bulletinId: published.id, title: 'Bản tin sáng', durationMs: 3000 });

    const res = await test.cloud.app.request('/thong-bao/atom.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/atom+xml');
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'entry' || name === 'link' }).parse(xml).feed;
    expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toMatch(/^http:\/\/.*\/thong-bao$/);
    expect(feed.author.name).toBeTruthy();
    expect(Date.parse(feed.updated)).toBeGreaterThan(0);
    expect(feed.entry).toHaveLength(1);
    const [entry] = feed.entry;
    expect(entry.title).toBe('Lịch tiêm phòng <dại> & "cúm"');
    expect(entry.content['#text']).toBe('Sáng thứ Hai, tại trạm y tế xã & nhà văn hoá ấp 1 <8 giờ>.');
    const enclosure = entry.link.find((l: Record<string, string>) => l['@_rel'] === 'enclosure');
    expect(enclosure['@_href']).toMatch(new RegExp(`/thong-bao/${published.id}/audio$`));
    expect(Number(enclosure['@_length'])).toBe(published.asset.bytes);

    const page = await (await test.cloud.app.request('/thong-bao')).text();
    expect(page).toContain('Lịch tiêm phòng &lt;dại&gt;');
    expect(page).not.toContain('Bản nháp');
    expect((await test.cloud.app.request(`/thong-bao/${draft.id}/audio`)).status).toBe(404);
  });

  it("shows the QR code that opens the commune's Zalo OA once the OA is connected, and not before", async () => {
    expect(await (await test.cloud.app.request('/thong-bao')).text()).not.toContain('zalo.me/');
    const far = Date.now() + 3600_000;
    await test.cloud.zalo.store.connect(null, { appId: '111', oaId: '4242424242', appSecret: 'app-secret-x', webhookSecret: null, pair: { accessToken: 'at', accessExpiresAt: far, refreshToken: 'rt', refreshExpiresAt: far } });
    const page = await (await test.cloud.app.request('/thong-bao')).text();
    expect(page).toContain('href="https://zalo.me/4242424242"');
    expect(page).toMatch(/<svg[^>]*>.*<path/s);
    expect(page).toContain('Nhận thông báo qua Zalo');
  });

  it('takes a report from the plain form post (no JavaScript) and shows its status by code', async () => {
    const form = new FormData();
    form.set('category', 'gay-roi');
    form.set('description', 'Nhóm thanh niên tụ tập gây ồn sau 23 giờ');
    form.set('hamlet', 'ap-2');
    form.set('lat', '');
    form.set('phone', '');
    form.set('photo', new Blob([FRAME], { type: 'image/jpeg' }), 'anh.jpg');
    const posted = await test.cloud.app.request('/phan-anh', { method: 'POST', body: form });
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location')!;
    const code = /^\/phan-anh\/([0-9A-Z]{8})\?moi=1$/.exec(location)![1]!;
    const status = await (await test.cloud.app.request(location)).text();
    expect(status).toContain(code);
    expect(status).toContain('Đã tiếp nhận');
    expect(status).toContain('Gây rối trật tự công cộng');
    expect(status).not.toContain('tụ tập');

    const bad = new FormData();
    bad.set('category', 'gay-roi');
    bad.set('description', 'ngắn');
    bad.set('hamlet', 'ap-2');
    const refused = await test.cloud.app.request('/phan-anh', { method: 'POST', body: bad });
    expect(refused.status).toBe(400);
    const again = await refused.text();
    expect(again).toContain('role="alert"');
    expect(again).toContain('ít nhất 10 ký tự');
    expect((await test.cloud.app.request(`/phan-anh/tra-cuu?code=${code.toLowerCase()}`)).headers.get('location')).toBe(`/phan-anh/${code}`);
  });
  it('lets a citizen who got the form wrong six times send the right one, and later says how long to wait (429, Retry-After)', async () => {
    const post = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      return test.cloud.app.request('/phan-anh', { method: 'POST', body: form });
    };
    const good = { category: 'gay-roi', description: 'Đốt rác gây khói dày đặc gần trường học', hamlet: 'ap-3' };
    for (let i = 0; i < 6; i++) expect((await post({ ...good, description: 'ngắn' })).status).toBe(400);
    expect((await post(good)).status).toBe(303);

    let refused: Response | null = null;
    for (let i = 0; i < 25 && !refused; i++) {
      const res = await post(good);
      if (res.status !== 303) refused = res;
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await refused?.text()).toContain('Bạn đã gửi quá nhiều phản ánh từ máy này');
  });
});

describe('minutesAndSeconds', () => {
  it('rounds to whole seconds before splitting them into minutes', () => {
    expect([0, 59_400, 59_600, 61_000, 119_600, 3_600_000].map(minutesAndSeconds)).toEqual(['0:00', '0:59', '1:00', '1:01', '2:00', '60:00']);
  });
});
