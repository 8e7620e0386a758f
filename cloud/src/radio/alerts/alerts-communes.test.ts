import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertMessageSchema, topics, type AlertMessage } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { waitFor } from '../../../../test-support/wait.js';
import { UserStore } from '../../users/user-store.js';
import { claimedEdgeWithPlan, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const HOUR = 3_600_000;
const sample = readFileSync(new URL('../cap/samples/storm-alert.xml', import.meta.url), 'utf8');

/** Issue 10: province alerts and commune alerts in one deployment of two communes. */
describe('alerts across a province of communes', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let viTanEdge: string;
  let viDongEdge: string;
  let viTanHamlets: string[];
  const tokens: Record<'province' | 'viTan' | 'viDong', string> = { province: '', viTan: '', viDong: '' };
  let broadcasts: AlertMessage[];
  let unsubscribe: () => Promise<void>;

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, { alertLeadMs: 1000 });
    const db = test.cloud.db;
    db.prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES ('vi-dong', 'Xã Vị Đông', 'Thành phố Vị Thanh', 'Tỉnh Hậu Giang', ?)").run(Date.now());
    db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('vd-1', 'vi-dong', 'Ấp Một Vị Đông', 101), ('vd-2', 'vi-dong', 'Ấp Hai Vị Đông', 102)").run();
    viTanHamlets = (db.prepare("SELECT code FROM hamlets WHERE commune_code = 'vi-tan' ORDER BY code").all() as { code: string }[]).map((h) => h.code);
    viTanEdge = await claimedEdgeWithPlan(test, 'ap-2');
    viDongEdge = await claimedEdgeWithPlan(test, 'vd-1');
    const users = new UserStore(test.cloud.query);
    const people = [
      ['province', 'tinh-phat-thanh', null],
      ['viTan', 'vitan-phat-thanh', 'vi-tan'],
      ['viDong', 'vidong-phat-thanh', 'vi-dong'],
    ] as const;
    for (const [key, username, communeCode] of people) {
      await users.create({ username, password: `${username}-mat-khau`, role: 'operator', communeCode, mustChangePassword: false });
      tokens[key] = await test.login(username, `${username}-mat-khau`);
    }
    broadcasts = [];
    unsubscribe = await test.cloud.broker.subscribe(topics.broadcast('alert'), (_topic, payload) => broadcasts.push(alertMessageSchema.parse(JSON.parse(payload.toString()))));
  });
  afterEach(async () => {
    await unsubscribe();
    await kit.stop();
    await test.stop();
  });

  const as = (who: keyof typeof tokens) => ({
    post: (body: unknown) => kit.request('POST', '/api/v1/alerts', body, { token: tokens[who] }),
    postCap: (xml: string) => kit.request('POST', '/api/v1/alerts', xml, { token: tokens[who], contentType: 'application/cap+xml' }),
    get: (path: string) => kit.request('GET', path, undefined, { token: tokens[who] }),
    send: (method: string, path: string, body?: unknown) => kit.request(method, path, body, { token: tokens[who] }),
  });
  const alert = (overrides: Record<string, unknown> = {}) => ({
    text: 'Triều cường dâng cao tối nay. Bà con không ra sông.',
    severity: 'severe',
    kind: 'flood',
    targets: { all: true },
    expiresAt: kit.clock.now() + 5 * HOUR,
    ...overrides,
  });
  const alertItems = async (edgeId: string)=> (await test.cloud.fleet.documents.get(edgeId, 'schedule'))!.body.items.filter((i) => i.occurrenceId.startsWith('alert:'));
  const startOf = (alertId: string) => broadcasts.find((b) => b.alertId === alertId && b.action === 'start') as Extract<AlertMessage, { action: 'start' }> | undefined;
  const fresh = (xml: string, areaDesc: string, identifier: string) => {
    const iso = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Ho_Chi_Minh' }).toISO({ suppressMilliseconds: true })!;
    return xml
      .replace(/<identifier>[^<]*</, `<identifier>${identifier}<`)
      .replace(/<sent>[^<]*</g, `<sent>${iso(kit.clock.now())}<`)
      .replace(/<expires>[^<]*</g, `<expires>${iso(kit.clock.now() + 5 * HOUR)}<`)
      .replace(/<geocode>[\s\S]*?<\/geocode>/g, '')
      .replace(/<areaDesc>Ấp 2[^<]*</, `<areaDesc>${areaDesc}<`);
  };

  it("a province operator's alert is the province's: to chosen communes, or every hamlet of the province, issuer province", async () => {
    const chosen = await as('province').post(alert({ targets: { communes: ['vi-dong'] } }));
    expect(chosen.status).toBe(201);
    expect(chosen.body).toMatchObject({ communeCode: null, issuer: 'province', targets: { all: false, hamlets: ['vd-1', 'vd-2'], edges: [] } });
    expect(chosen.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['vd-1', 'vd-2']);
    await waitFor(() => startOf(chosen.body.id), 'the start broadcast');
    expect(startOf(chosen.body.id)).toMatchObject({ issuer: 'province', targets: { all: false, hamlets: ['vd-1', 'vd-2'], edges: [] } });
    // a flood repeats every 2 hours: three repetitions before the expiry, each the province's
    expect((await alertItems(viDongEdge)).map((i) => [i.scheduleId, i.issuer])).toEqual([0, 1, 2].map(() => [chosen.body.id, 'province']));
    expect(await alertItems(viTanEdge)).toEqual([]);

    const everywhere = await as('province').post(alert({ targets: { all: true } }));
    expect(everywhere.body).toMatchObject({ communeCode: null, issuer: 'province', targets: { all: true } });
    await waitFor(() => startOf(everywhere.body.id), 'the start broadcast');
    expect(startOf(everywhere.body.id)!.targets.all).toBe(true);
    for (const edge of [viTanEdge, viDongEdge]) expect((await alertItems(edge)).some((i) => i.scheduleId === everywhere.body.id && i.issuer === 'province')).toBe(true);

    const unknown = await as('province').post(alert({ targets: { communes: ['khong-co'] } }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown commune code\(s\).*khong-co/);
  });

  it("a commune operator's alert stays in their commune: all is its hamlets, another commune's hamlet or box is unknown", async () => {
    const res = await as('viTan').post(alert());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ communeCode: 'vi-tan', issuer: 'commune', targets: { all: true, hamlets: [], edges: [] } });
    expect(res.body.hamlets.map((h: { code: string }) => h.code).sort()).toEqual(viTanHamlets);
    await waitFor(() => startOf(res.body.id), 'the start broadcast');
    const start = startOf(res.body.id)!;
    // `all` on the wire would reach every box of the province: the commune's hamlets instead, no issuer (the commune's)
    expect(start.targets).toEqual({ all: false, hamlets: viTanHamlets, edges: [] });
    expect(start.issuer).toBeUndefined();
    expect((await alertItems(viTanEdge)).map((i) => [i.scheduleId, i.issuer])).toEqual([0, 1, 2].map(() => [res.body.id, undefined]));
    expect(await alertItems(viDongEdge)).toEqual([]);

    const missing = await as('viTan').post(alert({ targets: { hamlets: ['khong-co'] } }));
    const other = await as('viTan').post(alert({ targets: { hamlets: ['vd-1'] } }));
    expect(other.status).toBe(400);
    expect(other.body.error.message).toBe(missing.body.error.message.replace('khong-co', 'vd-1'));
    const otherBox = await as('viTan').post(alert({ targets: { edges: [viDongEdge] } }));
    expect(otherBox.status).toBe(400);
    expect(otherBox.body.error.message).toBe(`unknown edge box(es): ${viDongEdge}`);
    expect((await as('viTan').post(alert({ targets: { communes: ['vi-tan'] } }))).status).toBe(400);
  });

  it("lists, shows and cancels by commune: another commune's alert is 404, the province's read-only", async () => {
    const viTan = (await as('viTan').post(alert({ title: 'Vị Tân' }))).body;
    const viDong = (await as('viDong').post(alert({ title: 'Vị Đông' }))).body;
    const province = (await as('province').post(alert({ title: 'Tỉnh' }))).body;

    const titles = async (who: keyof typeof tokens) => (await as(who).get('/api/v1/alerts')).body.alerts.map((a: { title: string }) => a.title).sort();
    expect(await titles('viDong')).toEqual(['Tỉnh', 'Vị Đông']);
    expect(await titles('viTan')).toEqual(['Tỉnh', 'Vị Tân']);
    expect(await titles('province')).toEqual(['Tỉnh', 'Vị Tân', 'Vị Đông']);

    const missing = await as('viDong').get('/api/v1/alerts/alr_khongco0000');
    const another = await as('viDong').get(`/api/v1/alerts/${viTan.id}`);
    expect(another.status).toBe(404);
    expect(another.body.error.message).toBe(missing.body.error.message.replace('alr_khongco0000', viTan.id));
    expect((await as('viDong').send('DELETE', `/api/v1/alerts/${viTan.id}`)).status).toBe(404);

    // the province's alert: seen (with the commune's own hamlets only), not cancelled by a commune
    const seen = await as('viDong').get(`/api/v1/alerts/${province.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['vd-1', 'vd-2']);
    expect((await as('viDong').send('DELETE', `/api/v1/alerts/${province.id}`)).status).toBe(404);
    expect((await as('province').get(`/api/v1/alerts/${province.id}`)).body.status).toBe('active');

    expect((await as('viDong').send('DELETE', `/api/v1/alerts/${viDong.id}`)).body.status).toBe('cancelled');
    expect((await as('province').send('DELETE', `/api/v1/alerts/${viTan.id}`)).body.status).toBe('cancelled');
  });

  it('CAP: a province operator\'s message reaches every commune its areas include; a commune operator\'s only their commune', async () => {
    const provinceWide = await as('province').postCap(fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-province-1'));
    expect(provinceWide.status).toBe(201);
    expect(provinceWide.body).toMatchObject({ communeCode: null, issuer: 'province', targets: { all: true } });
    for (const edge of [viTanEdge, viDongEdge]) expect((await alertItems(edge)).some((i) => i.scheduleId === provinceWide.body.id && i.issuer === 'province')).toBe(true);

    const byCommune = await as('viDong').postCap(fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-commune-1'));
    expect(byCommune.status).toBe(201);
    expect(byCommune.body).toMatchObject({ communeCode: 'vi-dong', issuer: 'commune' });
    expect(byCommune.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['vd-1', 'vd-2']);
    expect((await alertItems(viTanEdge)).some((i) => i.scheduleId === byCommune.body.id)).toBe(false);
    expect((await alertItems(viDongEdge)).some((i) => i.scheduleId === byCommune.body.id)).toBe(true);

    // naming a hamlet of one commune: that hamlet alone, even from the province
    const oneHamlet = await as('province').postCap(fresh(sample, 'Ấp Hai Vị Đông', 'KTTV-HG-province-2'));
    expect(oneHamlet.body).toMatchObject({ communeCode: null, targets: { all: false, hamlets: ['vd-2'] } });

    // the same message again from a commune that sees it: what it became; a Cancel from a commune stops nothing of the province's
    expect((await as('viTan').postCap(fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-province-1'))).status).toBe(200);
    const cancel = fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-province-1-cancel')
      .replace('<msgType>Alert</msgType>', '<msgType>Cancel</msgType>')
      .replace('<scope>Public</scope>', `<scope>Public</scope><references>canhbao@kttv-haugiang.gov.vn,KTTV-HG-province-1,${DateTime.fromMillis(kit.clock.now()).toISO()}</references>`);
    expect((await as('viTan').postCap(cancel)).status).toBe(422);
    expect((await as('province').get(`/api/v1/alerts/${provinceWide.body.id}`)).body.status).toBe('active');
  });

  it('CAP areas are matched strictly: a commune by its exact name in its district, a district only when the area is the district', async () => {
    // xã Vị Thanh (huyện Vị Thủy) is named like the district of xã Vị Tân and xã Vị Đông (thành phố Vị Thanh)
    test.cloud.db.prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES ('vi-thanh', 'Xã Vị Thanh', 'Huyện Vị Thủy', 'Tỉnh Hậu Giang', ?)").run(Date.now());
    test.cloud.db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('vth-1', 'vi-thanh', 'Ấp Vị Thanh Một', 201)").run();
    const hamletsOf = (body: { hamlets: { code: string }[] }) => body.hamlets.map((h) => h.code).sort();

    const commune = await as('province').postCap(fresh(sample, 'Xã Vị Thanh, huyện Vị Thủy, tỉnh Hậu Giang', 'KTTV-HG-strict-1'));
    expect(commune.status, JSON.stringify(commune.body)).toBe(201);
    expect(hamletsOf(commune.body)).toEqual(['vth-1']);

    const district = await as('province').postCap(fresh(sample, 'Thành phố Vị Thanh', 'KTTV-HG-strict-2'));
    expect(district.status, JSON.stringify(district.body)).toBe(201);
    expect(hamletsOf(district.body)).toEqual([...viTanHamlets, 'vd-1', 'vd-2'].sort());

    const wrongDistrict = await as('province').postCap(fresh(sample, 'Xã Vị Đông, huyện Vị Thủy', 'KTTV-HG-strict-3'));
    expect(wrongDistrict.status).toBe(422);
    expect(wrongDistrict.body.error.code).toBe('not_applicable');
  });

  it("held CAP messages are their commune's: another commune neither sees nor decides them; confirmed, the alert stays in that commune", async () => {
    const held = await as('viTan').postCap(fresh(sample, 'Khu vực ven sông Cái Lớn', 'KTTV-HG-held-1'));
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ status: 'held', communeCode: 'vi-tan', reasons: ['no_evaluable_area'] });
    const ids = async (who: keyof typeof tokens) => (await as(who).get('/api/v1/alerts/held')).body.held.map((h: { id: string }) => h.id);
    expect(await ids('viTan')).toEqual([held.body.id]);
    expect(await ids('viDong')).toEqual([]);
    expect(await ids('province')).toEqual([held.body.id]);
    expect((await as('viDong').get(`/api/v1/alerts/held/${held.body.id}`)).status).toBe(404);
    expect((await as('viDong').send('POST', `/api/v1/alerts/held/${held.body.id}/confirm`, { targets: { all: true } })).status).toBe(404);
    expect((await as('viDong').send('POST', `/api/v1/alerts/held/${held.body.id}/reject`, {})).status).toBe(404);

    // the province confirms it: still Vị Tân's, bounded by Vị Tân's hamlets
    const outside = await as('province').send('POST', `/api/v1/alerts/held/${held.body.id}/confirm`, { targets: { hamlets: ['vd-1'] } });
    expect(outside.status).toBe(400);
    const confirmed = await as('province').send('POST', `/api/v1/alerts/held/${held.body.id}/confirm`, { targets: { all: true } });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.alert).toMatchObject({ communeCode: 'vi-tan', issuer: 'commune' });
    expect((await alertItems(viDongEdge)).some((i) => i.scheduleId === confirmed.body.alert.id)).toBe(false);
    expect((await alertItems(viTanEdge)).some((i) => i.scheduleId === confirmed.body.alert.id)).toBe(true);
  });

  it("CAP feeds are a commune's or the province's: a commune's feed makes that commune's alerts, another commune's feed is none", async () => {
    const feed = (who: keyof typeof tokens, url: string) => as(who).send('POST', '/api/v1/cap-feeds', { name: url, url, enabled: false });
    const viTanFeed = await feed('viTan', 'https://kttv.example.vn/vitan.xml');
    expect(viTanFeed.status, JSON.stringify(viTanFeed.body)).toBe(201);
    expect(viTanFeed.body.communeCode).toBe('vi-tan');
    const provinceFeed = await feed('province', 'https://kttv.example.vn/haugiang.xml');
    expect(provinceFeed.body.communeCode).toBeNull();
    const ids = async (who: keyof typeof tokens) => (await as(who).get('/api/v1/cap-feeds')).body.feeds.map((f: { id: string }) => f.id).sort();
    expect(await ids('viDong')).toEqual([provinceFeed.body.id]);
    expect(await ids('viTan')).toEqual([viTanFeed.body.id, provinceFeed.body.id].sort());
    expect((await as('viDong').get(`/api/v1/cap-feeds/${viTanFeed.body.id}`)).status).toBe(404);
    expect((await as('viDong').get(`/api/v1/cap-feeds/${viTanFeed.body.id}/messages`)).status).toBe(404);
    expect((await as('viDong').send('PATCH', `/api/v1/cap-feeds/${viTanFeed.body.id}`, { enabled: true })).status).toBe(404);
    expect((await as('viDong').send('PATCH', `/api/v1/cap-feeds/${provinceFeed.body.id}`, { enabled: true })).status).toBe(404);
    // the same URL from another commune: refused without naming the other commune's feed
    const again = await feed('viDong', 'https://kttv.example.vn/vitan.xml');
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).not.toContain(viTanFeed.body.id);

    // what each feed brings in: the commune's feed, that commune's alert; the province's, the province's across communes
    const fromCommune = await kit.radio.alerts.receiveCap(fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-feed-1'), null, { source: { kind: 'feed', feedId: viTanFeed.body.id } });
    expect(fromCommune.kind).toBe('held'); // a sender not on the trusted list: held, for Vị Tân
    if (fromCommune.kind === 'held') expect(fromCommune.held.communeCode).toBe('vi-tan');
    expect((await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: 'canhbao@kttv-haugiang.gov.vn' })).status).toBe(201); // the admin's list, for the province
    const trusted = await kit.radio.alerts.receiveCap(fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-feed-2'), null, { source: { kind: 'feed', feedId: viTanFeed.body.id } });
    expect(trusted.kind === 'alert' && { communeCode: trusted.alert.communeCode, reach: trusted.alert.reach.hamlets }).toEqual({ communeCode: 'vi-tan', reach: viTanHamlets });
    const fromProvince = await kit.radio.alerts.receiveCap(fresh(sample, 'Tỉnh Hậu Giang', 'KTTV-HG-feed-3'), null, { source: { kind: 'feed', feedId: provinceFeed.body.id } });
    expect(fromProvince.kind === 'alert' && { communeCode: fromProvince.alert.communeCode, issuer: fromProvince.alert.issuer, all: fromProvince.alert.reach.all }).toEqual({ communeCode: null, issuer: 'province', all: true });
  });
});
