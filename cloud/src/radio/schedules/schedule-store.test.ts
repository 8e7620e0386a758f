import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { localToInstant, parseLocalMinute } from './local-time.js';
import { ScheduleStore, type Schedule } from './schedule-store.js';
import { weekCalendar } from './week-calendar.js';
import { insertPlaces } from '../../../../test-support/places.js';

const VN = 'Asia/Ho_Chi_Minh';
const at = (local: string) => localToInstant(parseLocalMinute(local)!, VN);

/** Two communes of two hamlets, a box in each hamlet. */
async function seedProvince(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'edg_ap-1' }, { code: 'ap-2', name: 'Ấp 2', edge: 'edg_ap-2' }] },
    { code: 'vi-thanh', name: 'Vị Thanh', hamlets: [{ code: 'vt-1', name: 'Ấp Một', edge: 'edg_vt-1' }, { code: 'vt-2', name: 'Ấp Hai', edge: 'edg_vt-2' }] },
  ]);
}

const schedule = (id: string, communeCode: string | null, extra: Partial<Schedule> = {}): Schedule => ({
  id,
  title: `Chương trình ${id}`,
  source: { kind: 'stream', url: `https://radio.example/${id}` },
  durationMs: 600_000,
  startsLocal: '2026-12-07T06:00',
  timeZone: VN,
  rrule: 'FREQ=DAILY',
  priority: 'normal',
  volume: 80,
  targets: { all: true },
  enabled: true,
  createdBy: null,
  createdAt: 1,
  updatedAt: 1,
  exceptions: [],
  communeCode,
  ...extra,
});

forEachDatabase('schedule store and week calendar', (get) => {
  it('saves, updates in place (keeping whose it is and its exceptions), reads and deletes a schedule', async () => {
    const q = get();
    await seedProvince(q);
    await q.db.insertInto('radio_stations').values({ id: 'sta_1', name: 'VOV1', url: 'https://radio.example/vov1', created_at: 1, updated_at: 1 }).execute();
    const store = new ScheduleStore(q);
    const saved = await store.save(schedule('sch_a', 'vi-tan', { source: { kind: 'station', stationId: 'sta_1' }, targets: { hamlets: ['ap-2'] } }));
    expect(saved).toMatchObject({ source: { kind: 'station', stationId: 'sta_1' }, targets: { hamlets: ['ap-2'] }, enabled: true, communeCode: 'vi-tan' });
    await store.putException('sch_a', { occurrenceLocal: '2026-12-08T06:00', action: 'skip', movedToLocal: null });
    await store.putException('sch_a', { occurrenceLocal: '2026-12-08T06:00', action: 'move', movedToLocal: '2026-12-08T07:00' });
    const changed = await store.save({ ...saved, title: 'Đổi tên', enabled: false, communeCode: null, updatedAt: 2 });
    expect(changed).toMatchObject({ title: 'Đổi tên', enabled: false, communeCode: 'vi-tan', updatedAt: 2 });
    expect(changed.exceptions).toEqual([{ occurrenceLocal: '2026-12-08T06:00', action: 'move', movedToLocal: '2026-12-08T07:00' }]);
    await store.delete('sch_a');
    await expect(store.get('sch_a')).rejects.toMatchObject({ status: 404 });
    await expect(store.delete('sch_a')).rejects.toMatchObject({ status: 404 });
  });

  it('lists one commune with the province own in SQL, enabled only when asked, each with its own exceptions', async () => {
    const q = get();
    await seedProvince(q);
    const store = new ScheduleStore(q);
    await store.save(schedule('sch_mine', 'vi-tan'));
    await store.save(schedule('sch_off', 'vi-tan', { enabled: false }));
    await store.save(schedule('sch_other', 'vi-thanh'));
    await store.save(schedule('sch_prov', null));
    await store.putException('sch_other', { occurrenceLocal: '2026-12-08T06:00', action: 'skip', movedToLocal: null });
    await store.putException('sch_prov', { occurrenceLocal: '2026-12-09T06:00', action: 'skip', movedToLocal: null });
    expect((await store.list()).map((s) => s.id)).toEqual(['sch_mine', 'sch_off', 'sch_other', 'sch_prov']);
    const mine = await store.list({ commune: 'vi-tan', enabledOnly: true });
    expect(mine.map((s) => s.id)).toEqual(['sch_mine', 'sch_prov']);
    expect(mine.find((s) => s.id === 'sch_prov')!.exceptions).toEqual([{ occurrenceLocal: '2026-12-09T06:00', action: 'skip', movedToLocal: null }]);
    expect(mine.find((s) => s.id === 'sch_mine')!.exceptions).toEqual([]);
  });

  it("a commune operator's week: their commune's items and the province's reaching them, with their hamlets only, filtered by hamlet", async () => {
    const q = get();
    await seedProvince(q);
    const store = new ScheduleStore(q);
    await store.save(schedule('sch_mine', 'vi-tan', { targets: { hamlets: ['ap-2'] }, startsLocal: '2026-12-07T05:00' }));
    await store.save(schedule('sch_other', 'vi-thanh'));
    await store.save(schedule('sch_prov_all', null, { startsLocal: '2026-12-07T19:00', priority: 'priority' }));
    await store.save(schedule('sch_prov_them', null, { targets: { communes: ['vi-thanh'] } }));
    // a province programme naming boxes across communes reaches, for vi-tan, only its own box's hamlet
    await store.save(schedule('sch_prov_boxes', null, { targets: { edges: ['edg_ap-1', 'edg_vt-2'] }, rrule: null, startsLocal: '2026-12-09T12:00' }));
    await store.putException('sch_prov_all', { occurrenceLocal: '2026-12-08T19:00', action: 'skip', movedToLocal: null });
    const week = { from: at('2026-12-07T00:00'), to: at('2026-12-14T00:00') };
    const operator = { communeCode: 'vi-tan' };

    const entries = await weekCalendar(store, { ...week, viewer: operator });
    const ids = new Set(entries.map((e) => e.schedule.id));
    expect([...ids].sort()).toEqual(['sch_mine', 'sch_prov_all', 'sch_prov_boxes']);
    expect(entries.filter((e) => e.schedule.id === 'sch_mine')).toHaveLength(7);
    expect(entries.filter((e) => e.schedule.id === 'sch_prov_all').map((e) => e.occurrence.startLocal)).not.toContain('2026-12-08T19:00');
    expect(entries.filter((e) => e.schedule.id === 'sch_prov_all')).toHaveLength(6);
    expect(entries.find((e) => e.schedule.id === 'sch_prov_all')!.hamlets).toEqual(['ap-1', 'ap-2']);
    expect(entries.find((e) => e.schedule.id === 'sch_prov_boxes')!.hamlets).toEqual(['ap-1']);
    const starts = entries.map((e) => e.occurrence.startAt);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));

    const ap1 = await weekCalendar(store, { ...week, viewer: operator, hamlet: 'ap-1' });
    expect([...new Set(ap1.map((e) => e.schedule.id))].sort()).toEqual(['sch_prov_all', 'sch_prov_boxes']);
    // another commune's hamlet is not in a vi-tan operator's calendar at all
    expect(await weekCalendar(store, { ...week, viewer: operator, hamlet: 'vt-1' })).toEqual([]);

    const province = await weekCalendar(store, { ...week, viewer: { communeCode: null } });
    expect(new Set(province.map((e) => e.schedule.id))).toEqual(new Set(['sch_mine', 'sch_other', 'sch_prov_all', 'sch_prov_them', 'sch_prov_boxes']));
    expect(province.find((e) => e.schedule.id === 'sch_prov_boxes')!.hamlets).toEqual(['ap-1', 'vt-2']);
  });
});
