import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { insertBulletin, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const VN = 'Asia/Ho_Chi_Minh';
const instant = (local: string) => DateTime.fromISO(local, { zone: VN }).toMillis();
const TWICE_DAILY = 'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSETPOS=2,3';

describe('schedules API', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let news: { id: string; durationMs: number };
  /** The local date `days` from the kit's today in Vietnam, YYYY-MM-DD. */
  const day = (days: number) => DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ days }).toISODate()!;
  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken);
    news = await insertBulletin(test.cloud.query, { title: 'Bản tin thời sự xã Vị Tân', seconds: 60 });
  });
  afterEach(async () => {
    await kit.stop();
    await test.stop();
  });

  const schedule = (overrides: Record<string, unknown> = {}) => ({
    title: 'Bản tin sáng',
    source: { kind: 'bulletin', bulletinId: news.id },
    startsLocal: `${day(1)}T05:30`,
    rrule: 'FREQ=DAILY',
    targets: { hamlets: ['ap-2'] },
    ...overrides,
  });
  const create = async (overrides: Record<string, unknown> = {}) => {
    const res = await kit.request('POST', '/api/v1/schedules', schedule(overrides));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; title: string };
  };
  const createEdge = async (hamletCode: string) => (await test.api<{ id: string }>('POST', '/api/v1/edges', { name: `Tủ ${hamletCode}`, hamletCode })).body.id;

  describe('create and read', () => {
    it('creates a twice-daily bulletin in Vietnam time and lists its next occurrences as instants', async () => {
      const res = await kit.request('POST', '/api/v1/schedules', schedule({ rrule: TWICE_DAILY, targets: { hamlets: ['ap-2a', 'ap-2', 'ap-2a'] }, volume: 90 }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        title: 'Bản tin sáng',
        source: { kind: 'bulletin', bulletinId: news.id },
        durationMs: news.durationMs,
        startsLocal: `${day(1)}T05:30`,
        timeZone: VN,
        rrule: TWICE_DAILY,
        priority: 'normal',
        volume: 90,
        targets: { hamlets: ['ap-2', 'ap-2a'] },
        enabled: true,
        exceptions: [],
      });
      expect(res.body.id).toMatch(/^sch_/);
      const next = res.body.nextOccurrences as { occurrenceId: string; startLocal: string; startAt: number; endAt: number }[];
      expect(next).toHaveLength(10);
      expect(next.slice(0, 3).map((o) => o.startLocal)).toEqual([`${day(1)}T05:30`, `${day(1)}T17:00`, `${day(2)}T05:30`]);
      expect(next[0]!.startAt).toBe(instant(`${day(1)}T05:30`));
      expect(new Date(next[0]!.startAt).toISOString()).toBe(`${day(0)}T22:30:00.000Z`);
      expect(new Date(next[1]!.startAt).toISOString()).toBe(`${day(1)}T10:00:00.000Z`);
      expect(next[0]!.endAt - next[0]!.startAt).toBe(news.durationMs);
      expect(next[0]!.occurrenceId).toBe(`${res.body.id}:${next[0]!.startAt}`);

      const again = await kit.request('GET', `/api/v1/schedules/${res.body.id}`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);
    });

    it('stores a live relay with its time window', async () => {
      const relay = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Tiếp sóng Đài Hậu Giang', source: { kind: 'stream', url: 'https://radio.example.vn/live.mp3', durationS: 1800 }, rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' }));
      expect(relay.status).toBe(201);
      expect(relay.body).toMatchObject({ source: { kind: 'stream', url: 'https://radio.example.vn/live.mp3' }, durationMs: 1_800_000 });
      const days = (relay.body.nextOccurrences as { startLocal: string }[]).map((o) => DateTime.fromISO(o.startLocal).weekday);
      expect(days.every((d) => d <= 5)).toBe(true);
    });

    it('filters the list by hamlet, priority, enabled and bulletin', async () => {
      const edge = await createEdge('ap-5');
      const a = await create({ title: 'A', targets: { hamlets: ['ap-2'] } });
      const b = await create({ title: 'B', targets: { all: true }, priority: 'priority' });
      const c = await create({ title: 'C', targets: { zones: [{ edgeId: edge, zone: 'cho' }] }, enabled: false });
      const ids = async (query: string) => ((await kit.request('GET', `/api/v1/schedules${query}`)).body.schedules as { id: string }[]).map((s) => s.id).sort();
      expect(await ids('')).toEqual([a.id, b.id, c.id].sort());
      expect(await ids('?hamlet=ap-2')).toEqual([a.id, b.id].sort());
      expect(await ids('?hamlet=ap-5')).toEqual([b.id, c.id].sort());
      expect(await ids('?priority=priority')).toEqual([b.id]);
      expect(await ids('?enabled=false')).toEqual([c.id]);
      expect(await ids(`?bulletin=${news.id}`)).toEqual([a.id, b.id, c.id].sort());
    });
  });

  describe('validation', () => {
    it.each([
      ['an unknown bulletin', () => ({ source: { kind: 'bulletin', bulletinId: 'bul_nothere' } }), /unknown bulletin/],
      ['an unknown hamlet', () => ({ targets: { hamlets: ['ap-99'] } }), /ap-99/],
      ['an unknown edge', () => ({ targets: { edges: ['edg_nothere'] } }), /edg_nothere/],
      ['a one-off in the past', () => ({ startsLocal: `${day(-2)}T05:30`, rrule: null }), /no occurrence in the future/],
      ['a series that ended', () => ({ startsLocal: `${day(-9)}T05:30`, rrule: 'FREQ=DAILY;COUNT=3' }), /no occurrence in the future/],
    ])('refuses %s with 400 naming it', async (_what, overrides, message) => {
      const res = await kit.request('POST', '/api/v1/schedules', schedule(overrides()));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message).toMatch(message);
      expect((await kit.request('GET', '/api/v1/schedules')).body.schedules).toEqual([]);
    });

    it.each([
      ['rrule', { rrule: 'FREQ=MINUTELY' }],
      ['rrule', { rrule: 'DTSTART:20261201T053000\nRRULE:FREQ=DAILY' }],
      ['startsLocal', { startsLocal: '2026-02-30T05:30' }],
      ['timeZone', { timeZone: 'Asia/Saigon-ish' }],
      ['targets', { targets: { all: true, hamlets: ['ap-1'] } }],
      ['targets', { targets: {} }],
      ['volume', { volume: 101 }],
      ['source.url', { source: { kind: 'stream', url: 'ftp://radio.example.vn/a', durationS: 60 } }],
    ])('refuses a wrong %s with 400 validation_failed naming it', async (path, overrides) => {
      const res = await kit.request('POST', '/api/v1/schedules', schedule(overrides));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    });

    it('refuses viewers with 403', async () => {
      await test.api('POST', '/api/v1/users', { username: 'viewer-1', role: 'viewer', password: 'password-viewer', mustChangePassword: false });
      const viewer = await test.login('viewer-1', 'password-viewer');
      expect((await kit.request('GET', '/api/v1/schedules', undefined, { token: viewer })).status).toBe(403);
      expect((await kit.request('POST', '/api/v1/schedules', schedule(), { token: viewer })).status).toBe(403);
    });
  });

  describe('conflicts', () => {
    it('refuses an overlap of the same priority on a shared hamlet with 409 naming the other item and the first overlap', async () => {
      const morning = await create({ title: 'Bản tin sáng Ấp 2' });
      const res = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Thông báo tiêm chủng', startsLocal: `${day(3)}T05:30`, rrule: null, targets: { hamlets: ['ap-2', 'ap-3'] } }));
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
      expect(res.body.error.message).toContain('Bản tin sáng Ấp 2');
      expect(res.body.error.details.conflicts).toEqual([
        { scheduleId: morning.id, title: 'Bản tin sáng Ấp 2', firstOverlapAt: instant(`${day(3)}T05:30`), firstOverlapLocal: `${day(3)}T05:30:00.000+07:00` },
      ]);
      expect((await kit.request('GET', '/api/v1/schedules')).body.schedules).toHaveLength(1);
    });

    it('finds an overlap that starts inside the other item, and allows one that starts after it ends', async () => {
      await create({ title: 'Bản tin sáng Ấp 2' });
      const inside = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Nhắc đóng thuế', startsLocal: `${day(2)}T05:30`, rrule: null, source: { kind: 'stream', url: 'https://radio.example.vn/a', durationS: 60 } }));
      expect(inside.status).toBe(409);
      const after = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Nhắc đóng thuế', startsLocal: `${day(2)}T05:32`, rrule: null }));
      expect(after.status).toBe(201);
    });

    it('allows overlaps of different priorities, of disjoint hamlets and of different zones of one box', async () => {
      const edge = await createEdge('ap-4');
      await create({ title: 'Bản tin sáng Ấp 2' });
      expect((await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Ưu tiên', priority: 'priority', targets: { all: true } }))).status).toBe(201);
      expect((await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Ấp 3', targets: { hamlets: ['ap-3'] } }))).status).toBe(201);
      expect((await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Loa chợ', targets: { zones: [{ edgeId: edge, zone: 'cho' }] } }))).status).toBe(201);
      expect((await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Loa trường', targets: { zones: [{ edgeId: edge, zone: 'truong' }] } }))).status).toBe(201);
    });

    it('refuses a zone overlap, and a whole box against one of its zones', async () => {
      const edge = await createEdge('ap-4');
      const market = await create({ title: 'Loa chợ', targets: { zones: [{ edgeId: edge, zone: 'cho' }] } });
      const sameZone = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Cũng loa chợ', targets: { zones: [{ edgeId: edge, zone: 'truong' }, { edgeId: edge, zone: 'cho' }] } }));
      expect(sameZone.status).toBe(409);
      const wholeBox = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Cả tủ', targets: { edges: [edge] } }));
      expect(wholeBox.status).toBe(409);
      const itsHamlet = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Cả ấp', targets: { hamlets: ['ap-4'] } }));
      expect(itsHamlet.status).toBe(409);
      expect(itsHamlet.body.error.details.conflicts[0].scheduleId).toBe(market.id);
    });

    it('refuses a PATCH that creates an overlap and keeps the schedule as it was', async () => {
      const morning = await create({ title: 'Bản tin sáng Ấp 2' });
      const evening = await create({ title: 'Bản tin chiều Ấp 2', startsLocal: `${day(1)}T17:00` });
      const res = await kit.request('PATCH', `/api/v1/schedules/${evening.id}`, { startsLocal: `${day(1)}T05:30` });
      expect(res.status).toBe(409);
      expect(res.body.error.details.conflicts[0]).toMatchObject({ scheduleId: morning.id, firstOverlapLocal: `${day(1)}T05:30:00.000+07:00` });
      expect((await kit.request('GET', `/api/v1/schedules/${evening.id}`)).body.startsLocal).toBe(`${day(1)}T17:00`);
      // a different hamlet is fine
      const moved = await kit.request('PATCH', `/api/v1/schedules/${evening.id}`, { startsLocal: `${day(1)}T05:30`, targets: { hamlets: ['ap-3'] } });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ startsLocal: `${day(1)}T05:30`, targets: { hamlets: ['ap-3'] } });
    });

    it('compares every-2-weeks series beyond the first weeks', async () => {
      // the 2nd-week Mondays of one series meet the other only from the third week on
      const monday = DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ weeks: 1 }).startOf('week');
      await create({ title: 'Tuần chẵn', startsLocal: `${monday.toISODate()}T19:00`, rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO' });
      const odd = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Tuần lẻ', startsLocal: `${monday.plus({ weeks: 1 }).toISODate()}T19:00`, rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO' }));
      expect(odd.status).toBe(201);
      const weekly = await kit.request('POST', '/api/v1/schedules', schedule({ title: 'Hằng tuần', startsLocal: `${monday.plus({ weeks: 1 }).toISODate()}T19:00`, rrule: 'FREQ=WEEKLY;BYDAY=MO' }));
      expect(weekly.status).toBe(409);
      expect(weekly.body.error.details.conflicts.map((c: { firstOverlapLocal: string }) => c.firstOverlapLocal)).toEqual([
        `${monday.plus({ weeks: 1 }).toISODate()}T19:00:00.000+07:00`,
        `${monday.plus({ weeks: 2 }).toISODate()}T19:00:00.000+07:00`,
      ]);
    });
  });

  describe('exceptions', () => {
    it('skips one occurrence and moves another', async () => {
      const s = await create({ rrule: TWICE_DAILY });
      const skipped = await kit.request('POST', `/api/v1/schedules/${s.id}/exceptions`, { action: 'skip', occurrence: `${day(1)}T17:00` });
      expect(skipped.status).toBe(200);
      const moved = await kit.request('POST', `/api/v1/schedules/${s.id}/exceptions`, { action: 'move', occurrence: `${day(2)}T05:30`, movedTo: `${day(2)}T06:15` });
      expect(moved.status).toBe(200);
      expect(moved.body.exceptions).toEqual([
        { occurrenceLocal: `${day(1)}T17:00`, action: 'skip', movedToLocal: null },
        { occurrenceLocal: `${day(2)}T05:30`, action: 'move', movedToLocal: `${day(2)}T06:15` },
      ]);
      const next = (moved.body.nextOccurrences as { originalLocal: string; startLocal: string; moved: boolean; occurrenceId: string }[]).slice(0, 3);
      expect(next.map((o) => [o.originalLocal, o.startLocal, o.moved])).toEqual([
        [`${day(1)}T05:30`, `${day(1)}T05:30`, false],
        [`${day(2)}T05:30`, `${day(2)}T06:15`, true],
        [`${day(2)}T17:00`, `${day(2)}T17:00`, false],
      ]);
      // the moved occurrence keeps its identity (the original start)
      expect(next[1]!.occurrenceId).toBe(`${s.id}:${instant(`${day(2)}T05:30`)}`);
    });

    it('refuses a time that is not an occurrence, and a move onto another item of the same priority', async () => {
      const s = await create({ rrule: TWICE_DAILY });
      const noon = await create({ title: 'Bản tin trưa', startsLocal: `${day(2)}T11:00`, rrule: null });
      const wrong = await kit.request('POST', `/api/v1/schedules/${s.id}/exceptions`, { action: 'skip', occurrence: `${day(1)}T06:00` });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.message).toContain('is not an occurrence');
      const clash = await kit.request('POST', `/api/v1/schedules/${s.id}/exceptions`, { action: 'move', occurrence: `${day(2)}T05:30`, movedTo: `${day(2)}T11:00` });
      expect(clash.status).toBe(409);
      expect(clash.body.error.details.conflicts[0].scheduleId).toBe(noon.id);
      expect((await kit.request('GET', `/api/v1/schedules/${s.id}`)).body.exceptions).toEqual([]);
    });
  });

  describe('the week calendar and deletion', () => {
    it('lists what plays where between two local dates, optionally in one hamlet', async () => {
      const ap2 = await create({ title: 'Ấp 2', rrule: TWICE_DAILY });
      const ap3 = await create({ title: 'Ấp 3', startsLocal: `${day(1)}T18:00`, targets: { hamlets: ['ap-3'] } });
      const res = await kit.request('GET', `/api/v1/schedules/occurrences?from=${day(1)}&to=${day(2)}`);
      expect(res.status).toBe(200);
      const rows = (res.body.occurrences as { scheduleId: string; startLocal: string; hamlets: string[] }[]).map((o) => [o.scheduleId, o.startLocal, o.hamlets]);
      expect(rows).toEqual([
        [ap2.id, `${day(1)}T05:30:00.000+07:00`, ['ap-2']],
        [ap2.id, `${day(1)}T17:00:00.000+07:00`, ['ap-2']],
        [ap3.id, `${day(1)}T18:00:00.000+07:00`, ['ap-3']],
        [ap2.id, `${day(2)}T05:30:00.000+07:00`, ['ap-2']],
        [ap2.id, `${day(2)}T17:00:00.000+07:00`, ['ap-2']],
        [ap3.id, `${day(2)}T18:00:00.000+07:00`, ['ap-3']],
      ]);
      const ap3Only = await kit.request('GET', `/api/v1/schedules/occurrences?from=${day(1)}&to=${day(2)}&hamlet=ap-3`);
      expect(ap3Only.body.occurrences.map((o: { scheduleId: string }) => o.scheduleId)).toEqual([ap3.id, ap3.id]);
      expect((await kit.request('GET', `/api/v1/schedules/occurrences?from=${day(2)}&to=${day(1)}`)).status).toBe(400);
      expect((await kit.request('GET', `/api/v1/schedules/occurrences?from=tomorrow&to=${day(1)}`)).status).toBe(400);
    });

    it('deletes a schedule', async () => {
      const s = await create();
      expect((await kit.request('DELETE', `/api/v1/schedules/${s.id}`)).status).toBe(204);
      const gone = await kit.request('GET', `/api/v1/schedules/${s.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('not_found');
      expect((await kit.request('DELETE', `/api/v1/schedules/${s.id}`)).status).toBe(404);
    });
  });
});
