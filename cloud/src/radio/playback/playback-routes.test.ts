import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId, topics, type PlaybackEvent } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { waitFor } from '../../../../test-support/wait.js';
import { givenInPlan, insertBulletin, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';
import { PLAYBACK_CSV_HEADER } from './playback-csv.js';
import { countRows } from '../../../../test-support/rows.js';

const VN = 'Asia/Ho_Chi_Minh';
const at = (local: string) => DateTime.fromISO(local, { zone: VN }).toMillis();
/** Local dates of the past days the fixtures played on (a box's proof of play arrives after the fact). */
const localDay = (offset: number) => DateTime.now().setZone(VN).plus({ days: offset }).toFormat('yyyy-MM-dd');
const [D1, D2, D3] = [localDay(-3), localDay(-2), localDay(-1)];

describe('proof of play', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let ap2a: string;
  let ap3: string;
  let scheduleId: string;
  const TITLE = 'Thông báo tiêm phòng dại cho chó, mèo';

  const claimedEdge = async (hamletCode: string, name: string) => {
    const { id } = (await test.api<{ id: string }>('POST', '/api/v1/edges', { name, hamletCode })).body;
    const { token } = (await test.api<{ token: string }>('POST', `/api/v1/edges/${id}/claim-tokens`)).body;
    expect((await test.api('POST', '/api/v1/provision/claim', { token }, null)).status).toBe(200);
    return id;
  };

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken);
    ap2a = await claimedEdge('ap-2a', 'Tủ loa chợ Vị Tân');
    ap3 = await claimedEdge('ap-3', 'Tủ loa trường học');
    const bulletin = await insertBulletin(test.cloud.query, { title: 'Tiêm phòng dại', seconds: 60 });
    const created = await kit.request('POST', '/api/v1/schedules', {
      title: TITLE,
      source: { kind: 'bulletin', bulletinId: bulletin.id },
      startsLocal: DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ days: 1 }).toFormat("yyyy-MM-dd'T'06:00"),
      rrule: 'FREQ=DAILY',
      targets: { all: true },
    });
    scheduleId = created.body.id;
    // the days the fixtures played on, as the plans of those days gave them to both boxes
    const past = [D1, D2, D3].map((day) => at(`${day}T06:00`));
    for (const edgeId of [ap2a, ap3]) await givenInPlan(test.cloud.query, edgeId, past.map((startAt) => ({ occurrenceId: `${scheduleId}:${startAt}`, scheduleId, bulletinId: bulletin.id, startAt })));
  });
  afterEach(async () => {
    await kit.stop();
    await test.stop();
  });

  /** As the edge's outbox would send it. */
  const send = async (edgeId: string, body: Partial<PlaybackEvent> & { plannedStartAt: number }, eventId = newId('evt', 16)) => {
    const event: PlaybackEvent = {
      occurrenceId: `${scheduleId}:${body.plannedStartAt}`,
      scheduleId,
      bulletinId: null,
      state: 'completed',
      actualStartAt: body.plannedStartAt + 12,
      durationMs: 61_500,
      reason: null,
      zones: null,
      ...body,
    };
    await test.cloud.broker.publish(topics.event(edgeId, 'playback'), JSON.stringify({ eventId, ts: Date.now(), body: event }), { qos: 1, retain: false });
    return eventId;
  };
  const rows = () => countRows(test.cloud.query, 'playback');
  const list = async (query = '') => {
    const res = await kit.request('GET', `/api/v1/playback${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { items: { eventId: string; state: string; plannedStartAt: number; hamletCode: string }[]; total: number; limit: number; offset: number };
  };

  it('stores each playback event once, with where it played and the item\'s title', async () => {
    const planned = at(`${D1}T06:00`);
    const eventId = await send(ap2a, { plannedStartAt: planned, state: 'started', durationMs: null, zones: ['cho'] });
    await send(ap2a, { plannedStartAt: planned, state: 'started', durationMs: null, zones: ['cho'] }, eventId);
    await waitFor(async () => (await rows()) === 1, 'the event stored');
    expect(await kit.radio.playback.store(ap2a, eventId)).toBe('duplicate');
    const { items, total } = await list();
    expect(total).toBe(1);
    expect(items[0]).toEqual({
      eventId,
      edgeId: ap2a,
      edgeName: 'Tủ loa chợ Vị Tân',
      hamletCode: 'ap-2a',
      hamletName: 'Ấp 2A',
      communeCode: 'vi-tan', // the box's commune when it played (issue 10)
      title: TITLE,
      occurrenceId: `${scheduleId}:${planned}`,
      scheduleId,
      bulletinId: null,
      state: 'started',
      plannedStartAt: planned,
      actualStartAt: planned + 12,
      offsetMs: 12,
      durationMs: null,
      reason: null,
      zones: ['cho'],
      receivedAt: expect.any(Number),
    });
  });

  it('catches up on events that arrived while the radio was not listening', async () => {
    await kit.stop();
    await givenInPlan(test.cloud.query, ap3, [{ occurrenceId: 'x:1', scheduleId, bulletinId: null, startAt: at(`${D1}T06:00`) }]);
    const eventId = newId('evt', 16);
    await test.cloud.fleet.events.record(ap3, 'playback', {
      eventId,
      ts: Date.now(),
      body: { occurrenceId: 'x:1', scheduleId, bulletinId: null, state: 'missed', plannedStartAt: at(`${D1}T06:00`), actualStartAt: null, durationMs: null, reason: 'mất điện', zones: null },
    });
    expect(await rows()).toBe(0);
    kit = await startRadioKit(test.cloud, test.adminToken);
    expect(await rows()).toBe(1);
    expect((await list()).items[0]).toMatchObject({ eventId, state: 'missed', offsetMs: null, hamletCode: 'ap-3' });
  });

  describe('with a week of events', () => {
    let ids: Record<string, string>;
    beforeEach(async () => {
      ids = {
        a1: await send(ap2a, { plannedStartAt: at(`${D1}T06:00`) }),
        a2: await send(ap2a, { plannedStartAt: at(`${D2}T06:00`), state: 'interrupted', reason: 'Cảnh báo khẩn: bão số 5' }),
        a3: await send(ap2a, { plannedStartAt: at(`${D3}T06:00`) }),
        b1: await send(ap3, { plannedStartAt: at(`${D1}T06:00`), state: 'failed', actualStartAt: null, durationMs: null, reason: 'loa không phản hồi' }),
        b2: await send(ap3, { plannedStartAt: at(`${D3}T06:00`) }),
      };
      await waitFor(async () => (await rows()) === 5, 'five events stored');
    });

    it('lists newest first and filters by edge, hamlet, dates and state', async () => {
      const eventIds = async (query: string) => (await list(query)).items.map((i) => i.eventId);
      expect(await eventIds('')).toHaveLength(5);
      expect((await list()).items.map((i) => i.plannedStartAt)).toEqual([...(await list()).items.map((i) => i.plannedStartAt)].sort((a, b) => b - a));
      expect(await eventIds(`?edge=${ap2a}`)).toEqual([ids.a3, ids.a2, ids.a1]);
      expect(await eventIds('?hamlet=ap-3')).toEqual([ids.b2, ids.b1]);
      expect(await eventIds(`?from=${D2}&to=${D2}`)).toEqual([ids.a2]);
      expect(await eventIds(`?from=${D2}T06:00:00%2B07:00`)).toEqual(expect.arrayContaining([ids.a2, ids.a3, ids.b2]));
      expect(await eventIds(`?to=${D1}`)).toEqual(expect.arrayContaining([ids.a1, ids.b1]));
      expect(await eventIds(`?to=${D1}`)).toHaveLength(2);
      expect(await eventIds('?state=failed')).toEqual([ids.b1]);
      expect(await eventIds('?hamlet=ap-3&state=completed')).toEqual([ids.b2]);
    });

    it('pages with limit and offset and tells the total', async () => {
      const first = await list('?limit=2');
      const second = await list('?limit=2&offset=2');
      const third = await list('?limit=2&offset=4');
      expect([first.total, second.total, third.total]).toEqual([5, 5, 5]);
      expect([first.items.length, second.items.length, third.items.length]).toEqual([2, 2, 1]);
      const all = [...first.items, ...second.items, ...third.items].map((i) => i.eventId);
      expect(new Set(all).size).toBe(5);
    });

    it('refuses malformed filters naming them', async () => {
      for (const [query, path] of [
        ['?from=20/11/2026', 'from'],
        ['?state=playing', 'state'],
        ['?limit=0', 'limit'],
        ['?hamlet=Ấp%203', 'hamlet'],
      ] as const) {
        const res = await kit.request('GET', `/api/v1/playback${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path), query).toEqual([path]);
      }
      expect((await kit.request('GET', `/api/v1/playback?from=${D3}&to=${D1}`)).status).toBe(400);
    });

    it('exports CSV for Excel: BOM, header, Vietnamese text, local times, same filters', async () => {
      const res = await kit.request('GET', `/api/v1/playback.csv?edge=${ap2a}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toContain('playback.csv');
      expect(res.text.charCodeAt(0)).toBe(0xfeff);
      const lines = res.text.slice(1).split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines[0]).toBe(PLAYBACK_CSV_HEADER.join(','));
      expect(lines[0]).toBe('hamlet,edge,title,occurrence,state,planned start,actual start,offset ms,duration s,reason');
      expect(lines.slice(1, -1)).toEqual([
        `Ấp 2A,Tủ loa chợ Vị Tân,"${TITLE}",${scheduleId}:${at(`${D3}T06:00`)},completed,${D3}T06:00:00.000+07:00,${D3}T06:00:00.012+07:00,12,61.5,`,
        `Ấp 2A,Tủ loa chợ Vị Tân,"${TITLE}",${scheduleId}:${at(`${D2}T06:00`)},interrupted,${D2}T06:00:00.000+07:00,${D2}T06:00:00.012+07:00,12,61.5,Cảnh báo khẩn: bão số 5`,
        `Ấp 2A,Tủ loa chợ Vị Tân,"${TITLE}",${scheduleId}:${at(`${D1}T06:00`)},completed,${D1}T06:00:00.000+07:00,${D1}T06:00:00.012+07:00,12,61.5,`,
      ]);
      const failed = await kit.request('GET', '/api/v1/playback.csv?state=failed');
      expect(failed.text.slice(1).split('\r\n')[1]).toBe(`Ấp 3,Tủ loa trường học,"${TITLE}",${scheduleId}:${at(`${D1}T06:00`)},failed,${D1}T06:00:00.000+07:00,,,,loa không phản hồi`);
    });

    it('lets viewers and operators read, and nobody else', async () => {
      for (const role of ['viewer', 'operator', 'technician', 'police'] as const) {
        await test.api('POST', '/api/v1/users', { username: `${role}-1`, role, password: `password-${role}`, mustChangePassword: false });
        const token = await test.login(`${role}-1`, `password-${role}`);
        const allowed = role === 'viewer' || role === 'operator';
        expect((await kit.request('GET', '/api/v1/playback', undefined, { token })).status, role).toBe(allowed ? 200 : 403);
        expect((await kit.request('GET', '/api/v1/playback.csv', undefined, { token })).status, role).toBe(allowed ? 200 : 403);
      }
    });
  });
});
