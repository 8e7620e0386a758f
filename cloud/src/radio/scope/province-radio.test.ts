import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type PlanItem } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { waitFor } from '../../../../test-support/wait.js';
import { UserStore } from '../../users/user-store.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { claimedEdgeWithPlan, insertBulletin, startRadioKit, toneAsset, type RadioKit } from '../testing/radio-test-kit.js';
import { insertCommune } from '../../../../test-support/places.js';

const VN = 'Asia/Ho_Chi_Minh';
const VI_THANH = { code: 'vi-thanh', name: 'Xã Vị Thanh', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang' };

/**
 * Issue 10 in the radio: two communes in one deployment (Vị Tân, seeded, and Vị Thanh, added here),
 * their operators and a province operator; boxes in both. Province-wide programmes reach every
 * targeted box with issuer "province"; a commune's items stay in their commune, read and written
 * only there; the province's items are read-only for a commune.
 */
describe('radio across the communes of a province', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let tokenA: string; // operator of Vị Tân
  let tokenB: string; // operator of Vị Thanh
  let tokenP: string; // province operator
  let boxA1: string; // Vị Tân, Ấp 1
  let boxA2: string; // Vị Tân, Ấp 2
  let boxB1: string; // Vị Thanh, vt-1
  let bulletinA: Awaited<ReturnType<typeof insertBulletin>>;
  let bulletinB: Awaited<ReturnType<typeof insertBulletin>>;
  let bulletinP: Awaited<ReturnType<typeof insertBulletin>>;

  beforeAll(async () => {
    test = await startTestCloud();
    await insertCommune(test.cloud.query, VI_THANH, [
      { code: 'vt-1', name: 'Ấp Vị Thanh 1', position: 0 },
      { code: 'vt-2', name: 'Ấp Vị Thanh 2', position: 1 },
    ]);
    const users = new UserStore(test.cloud.query);
    const person = async (username: string, communeCode: string | null) => {
      await users.create({ username, role: 'operator', communeCode, password: `password-of-${username}`, mustChangePassword: false });
      return test.login(username, `password-of-${username}`);
    };
    tokenA = await person('op-vi-tan', 'vi-tan');
    tokenB = await person('op-vi-thanh', 'vi-thanh');
    tokenP = await person('op-tinh', null);
    kit = await startRadioKit(test.cloud, test.adminToken);
    boxA1 = await claimedEdgeWithPlan(test, 'ap-1');
    boxA2 = await claimedEdgeWithPlan(test, 'ap-2');
    boxB1 = await claimedEdgeWithPlan(test, 'vt-1');
    const owned = async (communeCode: string | null, title: string) => {
      const b = await insertBulletin(test.cloud.query, { title, seconds: 20 });
      await ownedBy(communeCode, b.id);
      return b;
    };
    bulletinA = await owned('vi-tan', 'Bản tin Vị Tân');
    bulletinB = await owned('vi-thanh', 'Bản tin Vị Thanh');
    bulletinP = await owned(null, 'Bản tin của tỉnh');
  });

  afterAll(async () => {
    await kit.stop();
    await test.stop();
  });

  /** A bulletin made a commune's (null: the province's own), as the bulletins API stamps it. */
  const ownedBy = (communeCode: string | null, bulletinId: string) =>
    test.cloud.query.db.updateTable('bulletins').set({ commune_code: communeCode }).where('id', '=', bulletinId).execute();

  const as = (token: string) => ({
    get: (path: string) => kit.request('GET', path, undefined, { token }),
    post: (path: string, body: unknown) => kit.request('POST', path, body, { token }),
    patch: (path: string, body: unknown) => kit.request('PATCH', path, body, { token }),
    delete: (path: string) => kit.request('DELETE', path, undefined, { token }),
  });
  const A = () => as(tokenA);
  const B = () => as(tokenB);
  const P = () => as(tokenP);
  let minute = 60;
  /** A local start later than any before it, so the items of one test never overlap another's. */
  const nextStart = () => DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ minutes: (minute += 5) }).startOf('minute').toFormat("yyyy-MM-dd'T'HH:mm");
  const schedule = async (who: ReturnType<typeof as>, body: Record<string, unknown>, status = 201) => {
    const res = await who.post('/api/v1/schedules', { title: 'Chương trình', startsLocal: nextStart(), ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body as { id: string; communeCode: string | null } & Record<string, any>;
  };
  const itemsOf = async (edgeId: string, scheduleId: string): Promise<PlanItem[]> => ((await test.cloud.fleet.documents.get(edgeId, 'schedule'))?.body.items ?? []).filter((i) => i.scheduleId === scheduleId);

  it('gives one province-wide programme to the boxes of both communes, marked as the province\'s; a commune\'s programme only to its own boxes', async () => {
    const province = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { all: true }, priority: 'priority' });
    expect(province.communeCode).toBeNull();
    for (const box of [boxA1, boxA2, boxB1]) {
      const items = await itemsOf(box, province.id);
      expect(items, box).toHaveLength(1);
      expect(items[0]).toMatchObject({ issuer: 'province', priority: 'priority', bulletinId: bulletinP.id });
    }
    const commune = await schedule(A(), { source: { kind: 'bulletin', bulletinId: bulletinA.id }, targets: { all: true } });
    expect(commune.communeCode).toBe('vi-tan');
    expect(await itemsOf(boxA1, commune.id)).toHaveLength(1);
    expect(await itemsOf(boxA2, commune.id)).toHaveLength(1);
    expect((await itemsOf(boxA1, commune.id))[0]).not.toHaveProperty('issuer'); // a commune's item leaves the key out
    expect(await itemsOf(boxB1, commune.id)).toEqual([]);
  });

  it('reaches chosen communes, and chosen hamlets across communes', async () => {
    const onlyB = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { communes: ['vi-thanh'] } });
    expect([await itemsOf(boxA1, onlyB.id), await itemsOf(boxA2, onlyB.id), (await itemsOf(boxB1, onlyB.id)).length]).toEqual([[], [], 1]);
    const across = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { hamlets: ['ap-2', 'vt-1'] } });
    expect([(await itemsOf(boxA1, across.id)).length, (await itemsOf(boxA2, across.id)).length, (await itemsOf(boxB1, across.id)).length]).toEqual([0, 1, 1]);
    // a commune added later is in "all communes": targets are resolved when plans are compiled
    const all = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { all: true } });
    await insertCommune(test.cloud.query, { code: 'vi-dong', name: 'Xã Vị Đông', district: 'Huyện Vị Thủy', province: 'Tỉnh Hậu Giang' }, [{ code: 'vd-1', name: 'Ấp Vị Đông 1', position: 0 }]);
    const later = await claimedEdgeWithPlan(test, 'vd-1');
    await waitFor(async () => (await itemsOf(later, all.id)).length === 1, 'the province programme on the new commune\'s box');
    expect((await itemsOf(later, all.id))[0]!.issuer).toBe('province');
    expect(await itemsOf(later, onlyB.id)).toEqual([]);
  });

  it("keeps a commune's schedules to itself: 404 for another commune's, read-only province items (403 naming them), lists without the others'", async () => {
    const ofB = await schedule(B(), { source: { kind: 'bulletin', bulletinId: bulletinB.id }, targets: { hamlets: ['vt-2'] } });
    const ofA = await schedule(A(), { source: { kind: 'bulletin', bulletinId: bulletinA.id }, targets: { hamlets: ['ap-3'] } });
    const province = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { all: true }, priority: 'normal' });
    const provinceForB = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { communes: ['vi-thanh'] } });

    const missing = await A().get(`/api/v1/schedules/sch_doesnotexist`);
    const other = await A().get(`/api/v1/schedules/${ofB.id}`);
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe(`schedule ${ofB.id} not found`);
    expect(missing.body.error.message).toBe('schedule sch_doesnotexist not found');
    for (const res of [await A().patch(`/api/v1/schedules/${ofB.id}`, { volume: 10 }), await A().delete(`/api/v1/schedules/${ofB.id}`), await A().post(`/api/v1/schedules/${ofB.id}/exceptions`, { action: 'skip', occurrence: ofB.startsLocal })]) {
      expect(res.status).toBe(404);
    }
    expect((await B().get(`/api/v1/schedules/${ofB.id}`)).body.volume).toBe(100); // untouched

    expect((await A().get(`/api/v1/schedules/${province.id}`)).status).toBe(200);
    const change = await A().patch(`/api/v1/schedules/${province.id}`, { volume: 10 });
    expect(change.status).toBe(403);
    expect(change.body.error.message).toContain("is the province's");
    expect((await A().delete(`/api/v1/schedules/${province.id}`)).status).toBe(403);
    expect((await P().patch(`/api/v1/schedules/${province.id}`, { volume: 90 })).status).toBe(200);

    const listA = ((await A().get('/api/v1/schedules')).body.schedules as { id: string }[]).map((s) => s.id);
    expect(listA).toContain(ofA.id);
    expect(listA).toContain(province.id);
    expect(listA).not.toContain(ofB.id);
    expect(listA).not.toContain(provinceForB.id); // the province's programme for another commune only
    const listP = ((await P().get('/api/v1/schedules')).body.schedules as { id: string }[]).map((s) => s.id);
    expect(listP).toEqual(expect.arrayContaining([ofA.id, ofB.id, province.id, provinceForB.id]));

    // the week calendar: the commune's own and the province's reaching it, marked, in the commune's hamlets only
    const today = DateTime.fromMillis(kit.clock.now(), { zone: VN });
    const range = `from=${today.toFormat('yyyy-MM-dd')}&to=${today.plus({ days: 2 }).toFormat('yyyy-MM-dd')}`;
    const calendar = (await A().get(`/api/v1/schedules/occurrences?${range}`)).body.occurrences as { scheduleId: string; issuer: string; editable: boolean; hamlets: string[] }[];
    const ids = new Set(calendar.map((o) => o.scheduleId));
    expect(ids.has(ofA.id) && ids.has(province.id)).toBe(true);
    expect(ids.has(ofB.id) || ids.has(provinceForB.id)).toBe(false);
    const provinceEntry = calendar.find((o) => o.scheduleId === province.id)!;
    expect(provinceEntry).toMatchObject({ issuer: 'province', editable: false });
    expect(provinceEntry.hamlets).toContain('ap-1');
    expect(provinceEntry.hamlets.some((h) => h.startsWith('vt-'))).toBe(false);
    expect(calendar.find((o) => o.scheduleId === ofA.id)).toMatchObject({ issuer: 'commune', editable: true, hamlets: ['ap-3'] });
    const provinceView = (await P().get(`/api/v1/schedules/occurrences?${range}`)).body.occurrences as { scheduleId: string; editable: boolean; hamlets: string[] }[];
    expect(provinceView.find((o) => o.scheduleId === province.id)).toMatchObject({ editable: true });
    expect(provinceView.find((o) => o.scheduleId === province.id)!.hamlets).toEqual(expect.arrayContaining(['ap-1', 'vt-1', 'vt-2']));
  });

  it("refuses a commune's person writing outside their commune, naming what is wrong", async () => {
    const source = { kind: 'bulletin', bulletinId: bulletinA.id };
    expect((await schedule(A(), { source, targets: { hamlets: ['vt-1'] } }, 400)).error.message).toContain('unknown hamlet code(s): vt-1');
    expect((await schedule(A(), { source, targets: { edges: [boxB1] } }, 400)).error.message).toContain(`unknown edge box(es): ${boxB1}`);
    expect((await schedule(A(), { source, targets: { communes: ['vi-tan'] } }, 400)).error.message).toContain("a commune's item plays in its own commune");
    expect((await schedule(A(), { source, targets: { all: true }, communeCode: 'vi-thanh' }, 403)).error.message).toContain('you belong to commune vi-tan');
    expect((await schedule(A(), { source, targets: { all: true }, communeCode: null }, 403)).error.message).toContain('the province');
    // another commune's bulletin is as unknown; the province's may be scheduled by a commune for itself
    expect((await schedule(A(), { source: { kind: 'bulletin', bulletinId: bulletinB.id }, targets: { all: true } }, 400)).error.message).toContain(`unknown bulletin ${bulletinB.id}`);
    const reuse = await schedule(A(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { hamlets: ['ap-4'] } });
    expect(reuse.communeCode).toBe('vi-tan');
    expect((await schedule(P(), { source, targets: { communes: ['vi-nowhere'] } }, 400)).error.message).toContain('unknown commune(s): vi-nowhere');
    // a province-level person writes for one commune by naming it
    const forB = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { hamlets: ['vt-2'] }, communeCode: 'vi-thanh' });
    expect(forB.communeCode).toBe('vi-thanh');
    expect((await B().patch(`/api/v1/schedules/${forB.id}`, { volume: 50 })).status).toBe(200);
  });

  it('does not refuse a province item and a commune item at the same time and priority: the box ranks the province\'s first', async () => {
    const startsLocal = nextStart();
    const p = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { all: true }, startsLocal, priority: 'emergency' });
    const a = await schedule(A(), { source: { kind: 'bulletin', bulletinId: bulletinA.id }, targets: { all: true }, startsLocal, priority: 'emergency' });
    // but two of one commune still clash
    const clash = await schedule(A(), { source: { kind: 'bulletin', bulletinId: bulletinA.id }, targets: { hamlets: ['ap-1'] }, startsLocal, priority: 'emergency' }, 409);
    expect(clash.error.details.conflicts[0].scheduleId).toBe(a.id);
    const items = (await test.cloud.fleet.documents.get(boxA1, 'schedule'))!.body.items.filter((i) => i.scheduleId === p.id || i.scheduleId === a.id);
    expect(items.map((i) => i.issuer ?? 'commune').sort()).toEqual(['commune', 'province']);
  });

  it("serves a box the audio of its commune's and the province's bulletins only", async () => {
    const box = await claimTestEdge(test, 'vt-2');
    const fetchAsset = (sha256: string) =>
      test.cloud.app.request(`/api/v1/assets/${sha256}`, { headers: { authorization: `Basic ${Buffer.from(`${box.edgeId}:${box.password}`).toString('base64')}` } });
    // distinct tones (bulletins of equal audio would share one asset), each in the cloud's media store
    const owned = async (seconds: number, communeCode: string | null) => {
      const bulletin = await insertBulletin(test.cloud.query, { title: `Âm thanh ${seconds} giây`, seconds });
      await ownedBy(communeCode, bulletin.id);
      await test.cloud.media.put(test.cloud.radio.bulletins.assets.keyOf(bulletin.asset), { file: toneAsset(seconds).file }, { maxBytes: bulletin.asset.bytes });
      return bulletin;
    };
    const ofA = await owned(7, 'vi-tan');
    const ofB = await owned(8, 'vi-thanh');
    const ofProvince = await owned(9, null);
    expect((await fetchAsset(ofB.asset.sha256)).status).toBe(200);
    expect((await fetchAsset(ofProvince.asset.sha256)).status).toBe(200);
    const other = await fetchAsset(ofA.asset.sha256);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { message: string } }).error.message).toBe(`asset ${ofA.asset.sha256} not found`);
  });

  it("keeps bulletins per commune: the commune's and the province's listed, another's 404, the province's not deletable by a commune", async () => {
    const listA = ((await A().get('/api/v1/bulletins?limit=200')).body.bulletins as { id: string; communeCode: string | null }[]);
    const ids = listA.map((b) => b.id);
    expect(ids).toEqual(expect.arrayContaining([bulletinA.id, bulletinP.id]));
    expect(ids).not.toContain(bulletinB.id);
    expect(listA.find((b) => b.id === bulletinP.id)!.communeCode).toBeNull();
    expect((await A().get(`/api/v1/bulletins?limit=200`)).body.total).toBe(listA.length);
    expect((await A().get(`/api/v1/bulletins/${bulletinB.id}`)).status).toBe(404);
    expect((await A().get(`/api/v1/bulletins/${bulletinB.id}/audio`)).status).toBe(404);
    expect((await A().delete(`/api/v1/bulletins/${bulletinB.id}`)).status).toBe(404);
    expect((await A().get(`/api/v1/bulletins/${bulletinP.id}`)).status).toBe(200);
    const draft = await insertBulletin(test.cloud.query, { title: 'Nháp của tỉnh', seconds: 20 });
    const refused = await A().delete(`/api/v1/bulletins/${draft.id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("is the province's");
    expect((await P().delete(`/api/v1/bulletins/${draft.id}`)).status).toBe(204);
    const listP = ((await P().get('/api/v1/bulletins?limit=200')).body.bulletins as { id: string }[]).map((b) => b.id);
    expect(listP).toEqual(expect.arrayContaining([bulletinA.id, bulletinB.id, bulletinP.id]));
  });

  it("shows proof of play per commune (screen, CSV, report) and a province programme's per commune for the province", async () => {
    const programme = await schedule(P(), { source: { kind: 'bulletin', bulletinId: bulletinP.id }, targets: { all: true } });
    const plays = await Promise.all([boxA1, boxA2, boxB1].map(async (edgeId) => ({ edgeId, item: (await itemsOf(edgeId, programme.id))[0]! })));
    for (const [n, { edgeId, item }] of plays.entries()) {
      const body = { occurrenceId: item.occurrenceId, scheduleId: item.scheduleId, bulletinId: item.bulletinId, state: 'completed', plannedStartAt: item.startAt, actualStartAt: item.startAt + 5, durationMs: 20_000, reason: null, zones: ['main'], priority: item.priority };
      await test.cloud.broker.publish(topics.event(edgeId, 'playback'), JSON.stringify({ eventId: `evt_prov_${n}`, ts: Date.now(), body }), { qos: 1, retain: false });
    }
    await waitFor(async () => (await P().get(`/api/v1/playback?schedule=${programme.id}`)).body.total === 3, 'the proof of play stored');

    const pageA = (await A().get(`/api/v1/playback?schedule=${programme.id}`)).body;
    expect(pageA.total).toBe(2);
    expect(pageA.items.map((i: { edgeId: string; communeCode: string }) => [i.edgeId, i.communeCode]).sort()).toEqual([[boxA1, 'vi-tan'], [boxA2, 'vi-tan']].sort());
    // asking for another commune changes nothing for a commune's person
    expect((await A().get(`/api/v1/playback?schedule=${programme.id}&commune=vi-thanh`)).body.total).toBe(2);
    expect((await B().get(`/api/v1/playback?schedule=${programme.id}`)).body.items.map((i: { edgeId: string }) => i.edgeId)).toEqual([boxB1]);
    expect((await P().get(`/api/v1/playback?schedule=${programme.id}&commune=vi-thanh`)).body.total).toBe(1);
    const csvA = await A().get(`/api/v1/playback.csv?schedule=${programme.id}`);
    expect(csvA.text.trimEnd().split('\r\n')).toHaveLength(3); // header + Vị Tân's two
    expect(csvA.text).not.toContain('vt-1');

    const grouped = (await P().get(`/api/v1/playback/by-commune?schedule=${programme.id}`)).body.communes;
    expect(grouped).toEqual([
      expect.objectContaining({ communeCode: 'vi-tan', communeName: 'Xã Vị Tân', boxes: 2, hamlets: 2, starts: 2, completed: 2 }),
      expect.objectContaining({ communeCode: 'vi-thanh', communeName: 'Xã Vị Thanh', boxes: 1, hamlets: 1, starts: 1, completed: 1 }),
    ]);
    expect((await B().get(`/api/v1/playback/by-commune?schedule=${programme.id}`)).body.communes.map((c: { communeCode: string }) => c.communeCode)).toEqual(['vi-thanh']);

    const month = DateTime.fromMillis(plays[0]!.item.startAt, { zone: VN }).toFormat('yyyy-MM');
    const reportA = (await A().get(`/api/v1/radio/reports/monthly?month=${month}`)).body;
    expect(reportA.hamlets.every((h: { hamletCode: string }) => h.hamletCode.startsWith('ap-'))).toBe(true);
    expect(reportA.total.items).toBe(2);
    const reportB = (await B().get(`/api/v1/radio/reports/monthly?month=${month}`)).body;
    expect(reportB.hamlets.map((h: { hamletCode: string }) => h.hamletCode)).toEqual(['vt-1', 'vt-2']);
    expect(reportB.total.items).toBe(1);
    expect((await P().get(`/api/v1/radio/reports/monthly?month=${month}`)).body.total.items).toBe(3);
    expect((await P().get(`/api/v1/radio/reports/monthly?month=${month}&commune=vi-thanh`)).body.total.items).toBe(1);
  });
});

describe('pronunciation entries per commune', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let tokenA: string;
  let tokenB: string;
  let tokenP: string;

  beforeAll(async () => {
    test = await startTestCloud();
    await insertCommune(test.cloud.query, VI_THANH);
    const users = new UserStore(test.cloud.query);
    const person = async (username: string, communeCode: string | null) => {
      await users.create({ username, role: 'operator', communeCode, password: `password-of-${username}`, mustChangePassword: false });
      return test.login(username, `password-of-${username}`);
    };
    tokenA = await person('op-vi-tan', 'vi-tan');
    tokenB = await person('op-vi-thanh', 'vi-thanh');
    tokenP = await person('op-tinh', null);
    kit = await startRadioKit(test.cloud, test.adminToken);
  });

  afterAll(async () => {
    await kit.stop();
    await test.stop();
  });

  const entry = async (token: string, abbreviation: string) =>
    ((await kit.request('GET', '/api/v1/tts/dictionary', undefined, { token })).body.entries as { abbreviation: string; expansion: string; source: string }[]).find((e) => e.abbreviation === abbreviation);

  it("reads a commune's own entries in its bulletins only; the province's reach every commune that did not change them", async () => {
    expect((await kit.request('PUT', '/api/v1/tts/dictionary/CLBVT', { expansion: 'câu lạc bộ Vị Tân' }, { token: tokenA })).status).toBe(200);
    expect(await entry(tokenA, 'CLBVT')).toEqual({ abbreviation: 'CLBVT', expansion: 'câu lạc bộ Vị Tân', source: 'commune' });
    expect(await entry(tokenB, 'CLBVT')).toBeUndefined();
    expect(await entry(tokenP, 'CLBVT')).toBeUndefined();
    // the province changes a word for everyone; a commune that changed it keeps its own
    expect((await kit.request('PUT', '/api/v1/tts/dictionary/HTX', { expansion: 'hợp tác xã của tỉnh' }, { token: tokenP })).status).toBe(200);
    expect((await kit.request('PUT', '/api/v1/tts/dictionary/HTX', { expansion: 'hợp tác xã Vị Thanh' }, { token: tokenB })).status).toBe(200);
    expect(await entry(tokenA, 'HTX')).toEqual({ abbreviation: 'HTX', expansion: 'hợp tác xã của tỉnh', source: 'custom' });
    expect(await entry(tokenB, 'HTX')).toEqual({ abbreviation: 'HTX', expansion: 'hợp tác xã Vị Thanh', source: 'commune' });
    // a commune removing a word removes it for itself only
    expect((await kit.request('DELETE', '/api/v1/tts/dictionary/UBND', undefined, { token: tokenB })).status).toBe(200);
    expect(await entry(tokenB, 'UBND')).toBeUndefined();
    expect((await entry(tokenA, 'UBND'))?.source).toBe('default');

    const speak = async (token: string) => {
      const res = await kit.request('POST', '/api/v1/bulletins', { title: 'Thử cách đọc', text: 'CLBVT và HTX họp.' }, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { spokenText: string; communeCode: string | null };
    };
    const ofA = await speak(tokenA);
    expect(ofA.communeCode).toBe('vi-tan');
    expect(ofA.spokenText).toContain('câu lạc bộ Vị Tân');
    expect(ofA.spokenText).toContain('hợp tác xã của tỉnh');
    const ofB = await speak(tokenB);
    expect(ofB.communeCode).toBe('vi-thanh');
    expect(ofB.spokenText).not.toContain('câu lạc bộ Vị Tân');
    expect(ofB.spokenText).toContain('hợp tác xã Vị Thanh');
    const ofProvince = await speak(tokenP);
    expect(ofProvince.communeCode).toBeNull(); // two communes: a province-level person writes the province's own
    expect(ofProvince.spokenText).toContain('hợp tác xã của tỉnh');
  });
});
