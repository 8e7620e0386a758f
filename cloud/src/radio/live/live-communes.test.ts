import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveDocSchema, topics, LIVE_BROADCAST, type LiveDoc } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { UserStore } from '../../users/user-store.js';
import { insertCommune } from '../../../../test-support/places.js';
import { RelayRunStore } from '../relays/relay-run-store.js';

/** Issue 10: live sessions, stations and relays in a deployment of two communes. */
describe('live sessions, stations and relays per commune', () => {
  let test: TestCloud;
  let viTanEdge: string;
  let viDongEdge: string;
  const tokens: Record<'province' | 'viTan' | 'viDong', string> = { province: '', viTan: '', viDong: '' };
  let docs: LiveDoc[];
  let unsubscribe: () => Promise<void>;

  beforeEach(async () => {
    test = await startTestCloud({ SC_LIVE_PLAYOUT_MS: 800 });
    await insertCommune(test.cloud.query, { code: 'vi-dong', name: 'Xã Vị Đông', district: 'Thành phố Vị Thanh', province: 'Tỉnh Hậu Giang' }, [{ code: 'vd-1', name: 'Ấp Một Vị Đông', position: 101 }]);
    viTanEdge = (await claimTestEdge(test, 'ap-1')).edgeId;
    viDongEdge = (await claimTestEdge(test, 'vd-1')).edgeId;
    const users = new UserStore(test.cloud.query);
    for (const [key, username, communeCode] of [['province', 'tinh-noi', null], ['viTan', 'vitan-noi', 'vi-tan'], ['viDong', 'vidong-noi', 'vi-dong']] as const) {
      await users.create({ username, password: `${username}-mat-khau`, role: 'operator', communeCode, mustChangePassword: false });
      tokens[key] = await test.login(username, `${username}-mat-khau`);
    }
    docs = [];
    unsubscribe = await test.cloud.broker.subscribe(topics.broadcast(LIVE_BROADCAST), (_t, payload) => {
      if (payload.length) docs.push(liveDocSchema.parse(JSON.parse(payload.toString())));
    });
  });
  afterEach(async () => {
    await unsubscribe();
    await test.stop();
  });

  const api = (who: keyof typeof tokens, method: string, path: string, body?: unknown) => test.request(method, path, body, tokens[who]);
  const speak = (who: keyof typeof tokens, targets: unknown, title = 'Thông báo') => api(who, 'POST', '/api/v1/radio/live', { title, priority: 'emergency', targets });
  const entryOf = (id: string) => waitFor(() => docs.flatMap((d) => d.sessions).find((s) => s.sessionId === id), `live document entry of ${id}`);

  it("a commune's voice reaches its own boxes; the province's may choose communes and is issued by the province", async () => {
    const commune = await speak('viTan', { all: true }, 'Vị Tân');
    expect(commune.status, JSON.stringify(commune.body)).toBe(201);
    expect(commune.body).toMatchObject({ edges: [viTanEdge], hamletCodes: ['ap-1'], communeCode: 'vi-tan', issuer: 'commune' });
    expect((await entryOf(commune.body.id)).issuer).toBeUndefined();

    const missing = await speak('viTan', { hamlets: ['khong-co'] });
    const other = await speak('viTan', { hamlets: ['vd-1'] });
    expect(other.status).toBe(400);
    expect(other.body.error.message).toBe(missing.body.error.message.replace('khong-co', 'vd-1'));
    expect((await speak('viTan', { edges: [viDongEdge] })).body.error.message).toBe(`unknown edge box(es): ${viDongEdge}`);
    expect((await speak('viTan', { communes: ['vi-dong'] })).status).toBe(400);

    const province = await speak('province', { communes: ['vi-dong'] }, 'Tỉnh');
    expect(province.status, JSON.stringify(province.body)).toBe(201);
    expect(province.body).toMatchObject({ edges: [viDongEdge], hamletCodes: ['vd-1'], communeCode: null, issuer: 'province' });
    expect(await entryOf(province.body.id)).toMatchObject({ issuer: 'province', priority: 'emergency', edges: [viDongEdge] });

    // lists per commune: its own and the province's; another commune's session is none; the province's is not theirs to stop
    const titles = async (who: keyof typeof tokens) => (await api(who, 'GET', '/api/v1/radio/live')).body.sessions.map((s: { title: string }) => s.title).sort();
    expect(await titles('viDong')).toEqual(['Tỉnh']);
    expect(await titles('viTan')).toEqual(['Tỉnh', 'Vị Tân']);
    expect(await titles('province')).toEqual(['Tỉnh', 'Vị Tân']);
    const missingSession = await api('viDong', 'GET', '/api/v1/radio/live/lvs_000000000000');
    const another = await api('viDong', 'GET', `/api/v1/radio/live/${commune.body.id}`);
    expect(another.status).toBe(404);
    expect(another.body.error.message).toBe(missingSession.body.error.message.replace('lvs_000000000000', commune.body.id));
    expect((await api('viDong', 'POST', `/api/v1/radio/live/${commune.body.id}/stop`)).status).toBe(404);
    expect((await api('viDong', 'GET', `/api/v1/radio/live/${province.body.id}`)).status).toBe(200);
    expect((await api('viDong', 'POST', `/api/v1/radio/live/${province.body.id}/stop`)).status).toBe(404);
    expect((await api('viTan', 'POST', `/api/v1/radio/live/${commune.body.id}/stop`)).body.status).toBe('ended');
    expect((await api('province', 'POST', `/api/v1/radio/live/${province.body.id}/stop`)).body.status).toBe('ended');
  });

  it("stations are a commune's or the province's: another commune's is none, the province's read-only; relays listed per commune", async () => {
    const station = (who: keyof typeof tokens, name: string) => api(who, 'POST', '/api/v1/stations', { name, url: 'http://127.0.0.1:9/vov1.mp3' });
    const viTan = await station('viTan', 'VOV1');
    expect(viTan.status).toBe(201);
    expect(viTan.body.communeCode).toBe('vi-tan');
    // the same name in another commune is another station
    const viDong = await station('viDong', 'VOV1');
    expect(viDong.status).toBe(201);
    expect((await station('viDong', 'vov1')).status).toBe(409);
    const province = await station('province', 'Đài tỉnh Hậu Giang');
    expect(province.body.communeCode).toBeNull();

    const names = async (who: keyof typeof tokens) => (await api(who, 'GET', '/api/v1/stations')).body.stations.map((s: { id: string }) => s.id).sort();
    expect(await names('viDong')).toEqual([viDong.body.id, province.body.id].sort());
    expect(await names('province')).toHaveLength(3);
    expect((await api('viDong', 'GET', `/api/v1/stations/${viTan.body.id}`)).status).toBe(404);
    expect((await api('viDong', 'PATCH', `/api/v1/stations/${viTan.body.id}`, { name: 'Của tôi' })).status).toBe(404);
    expect((await api('viDong', 'DELETE', `/api/v1/stations/${viTan.body.id}`)).status).toBe(404);
    expect((await api('viDong', 'GET', `/api/v1/stations/${province.body.id}`)).status).toBe(200);
    expect((await api('viDong', 'PATCH', `/api/v1/stations/${province.body.id}`, { name: 'Của tôi' })).status).toBe(404);
    // relaying another commune's station: none such
    const relayOther = await api('viDong', 'POST', '/api/v1/relays', { stationId: viTan.body.id, priority: 'normal', targets: { all: true }, durationS: 60 });
    expect(relayOther.status).toBe(404);

    // the relays' log, per commune
    const runs = new RelayRunStore(test.cloud.query);
    const run = (id: string, communeCode: string | null) =>
      runs.insert({ id, stationId: viTan.body.id, stationName: 'VOV1', scheduleId: null, occurrenceId: null, sessionId: null, title: id, priority: 'normal', targets: { all: true }, startedBy: null, startedAt: Date.now(), endsAt: null, communeCode });
    await run('rly_vitan000001', 'vi-tan');
    await run('rly_vidong00001', 'vi-dong');
    await run('rly_province001', null);
    const relays = async (who: keyof typeof tokens) => (await api(who, 'GET', '/api/v1/relays')).body.relays.map((r: { id: string }) => r.id).sort();
    expect(await relays('viDong')).toEqual(['rly_province001', 'rly_vidong00001']);
    expect(await relays('province')).toEqual(['rly_province001', 'rly_vidong00001', 'rly_vitan000001']);
    expect((await api('viDong', 'GET', '/api/v1/relays/rly_vitan000001')).status).toBe(404);
    expect((await api('viDong', 'POST', '/api/v1/relays/rly_vitan000001/stop')).status).toBe(404);
    expect((await api('viDong', 'POST', '/api/v1/relays/rly_province001/stop')).status).toBe(404);
    expect((await api('viTan', 'GET', '/api/v1/relays/rly_vitan000001')).status).toBe(200);
  });
});
