import { TEST_TONE_SCHEDULE_ID } from '@smart-commune/shared';
import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { PlaybackStore } from './playback-store.js';
import { insertPlaces } from '../../../../test-support/places.js';

/** Two communes (vi-tan: ap-1, ap-2; vi-thanh: vt-1), a box in each hamlet, a schedule of each commune, an alert, a live session. */
async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'edg_ap-1' }, { code: 'ap-2', name: 'Ấp 2', edge: 'edg_ap-2' }] },
    { code: 'vi-thanh', name: 'Vị Thanh', hamlets: [{ code: 'vt-1', name: 'Ấp Một', edge: 'edg_vt-1' }] },
  ]);
  const { db } = q;
  const schedule = (id: string, communeCode: string | null, priority: string) => ({
    id,
    title: `Chương trình ${id}`,
    stream_url: `https://radio.example/${id}`,
    duration_ms: 600_000,
    starts_local: '2026-12-07T06:00',
    time_zone: 'Asia/Ho_Chi_Minh',
    rrule: 'FREQ=DAILY',
    priority,
    volume: 80,
    targets: JSON.stringify({ all: true }),
    enabled: 1,
    created_at: 1,
    updated_at: 1,
    commune_code: communeCode,
  });
  await db.insertInto('schedules').values([schedule('sch_tan', 'vi-tan', 'normal'), schedule('sch_prov', null, 'priority')]).execute();
  await db.insertInto('audio_assets').values({ sha256: 'a'.repeat(64), bytes: 1, duration_ms: 1_000, mime: 'audio/ogg', created_at: 1 }).execute();
  await db
    .insertInto('bulletins')
    .values(['bul_1', 'bul_alr'].map((id) => ({ id, title: `Bản tin ${id}`, kind: 'upload', asset_sha256: 'a'.repeat(64), duration_ms: 1_000, loudness_lufs: -16, true_peak_dbtp: -1, created_at: 1 })))
    .execute();
  await db
    .insertInto('alerts')
    .values({
      id: 'alr_1', version: 1, title: 'Bão số 9', text: 'Bão', severity: 'severe', origin: 'json', bulletin_id: 'bul_alr', priority: 'emergency',
      volume: 100, repeat_every_ms: null, starts_at: 1, expires_at: 10_000_000, targets: JSON.stringify({ all: true }), status: 'active', created_at: 1, commune_code: null,
    })
    .execute();
  await db
    .insertInto('live_sessions')
    .values({
      id: 'lvs_1', source: 'voice', title: 'Thông báo trực tiếp', priority: 'priority', edges: JSON.stringify(['edg_ap-1']), hamlet_codes: JSON.stringify(['ap-1']),
      started_at: 1, epoch: 1, file: 'lvs_1.opus', commune_code: 'vi-tan',
    })
    .execute();
  // what the plans gave each box
  await db
    .insertInto('plan_occurrences')
    .values([
      { edge_id: 'edg_ap-1', occurrence_id: 'sch_tan:1000', schedule_id: 'sch_tan', bulletin_id: 'bul_1', start_at: 1_000 },
      { edge_id: 'edg_ap-2', occurrence_id: 'sch_tan:1000', schedule_id: 'sch_tan', bulletin_id: 'bul_1', start_at: 1_000 },
      { edge_id: 'edg_vt-1', occurrence_id: 'sch_prov:2000', schedule_id: 'sch_prov', bulletin_id: null, start_at: 2_000 },
      { edge_id: 'edg_ap-1', occurrence_id: 'sch_prov:2000', schedule_id: 'sch_prov', bulletin_id: null, start_at: 2_000 },
      { edge_id: 'edg_ap-1', occurrence_id: 'alert:alr_1:1', schedule_id: 'alr_1', bulletin_id: 'bul_alr', start_at: 3_000 },
      { edge_id: 'edg_vt-1', occurrence_id: 'alert:alr_1:1', schedule_id: 'alr_1', bulletin_id: 'bul_alr', start_at: 3_000 },
    ])
    .execute();
}

interface Play {
  occurrenceId: string;
  scheduleId: string;
  bulletinId?: string | null;
  state: string;
  plannedStartAt: number;
  actualStartAt?: number | null;
  durationMs?: number | null;
  zones?: string[];
  priority?: string;
}

let n = 0;
/** A playback event as the fleet records it (edge_events, once per eventId); returns its id. */
async function event({ db }: TestDatabase, edgeId: string, play: Play, receivedAt = 10_000 + n): Promise<string> {
  const eventId = `evt_${String(++n).padStart(4, '0')}`;
  const body = { bulletinId: null, actualStartAt: null, durationMs: null, reason: null, zones: ['cho'], ...play };
  await db.insertInto('edge_events').values({ event_id: eventId, edge_id: edgeId, kind: 'playback', ts: receivedAt, received_at: receivedAt, body: JSON.stringify(body) }).execute();
  return eventId;
}

forEachDatabase('proof of play store', (get) => {
  it('stores an event of a given occurrence once, with its hamlet, commune, title and priority; refuses one never given', async () => {
    const q = get();
    await seed(q);
    const store = new PlaybackStore(q);
    const played = await event(q, 'edg_ap-1', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_1', state: 'completed', plannedStartAt: 1_000, actualStartAt: 1_200, durationMs: 60_000, zones: ['cho', 'truong'] });
    expect(await store.store('edg_ap-1', played)).toBe('stored');
    expect(await store.store('edg_ap-1', played)).toBe('duplicate');
    // vt-1 was never given sch_tan's occurrence, nor another bulletin in ap-2's
    const foreign = await event(q, 'edg_vt-1', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', state: 'started', plannedStartAt: 1_000 });
    expect(await store.store('edg_vt-1', foreign)).toBe('not_given');
    const wrongBulletin = await event(q, 'edg_ap-2', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_other', state: 'started', plannedStartAt: 1_000 });
    expect(await store.store('edg_ap-2', wrongBulletin)).toBe('not_given');
    // outside the plan: a technician's test tone, and a live session that targets the box (not one that does not)
    const tone = await event(q, 'edg_vt-1', { occurrenceId: `${TEST_TONE_SCHEDULE_ID}:42`, scheduleId: TEST_TONE_SCHEDULE_ID, state: 'completed', plannedStartAt: 4_000, actualStartAt: 4_000, durationMs: 3_000 });
    expect(await store.store('edg_vt-1', tone)).toBe('stored');
    const live = await event(q, 'edg_ap-1', { occurrenceId: 'live:lvs_1', scheduleId: 'lvs_1', state: 'started', plannedStartAt: 5_000, actualStartAt: 5_010 });
    expect(await store.store('edg_ap-1', live)).toBe('stored');
    const liveElsewhere = await event(q, 'edg_ap-2', { occurrenceId: 'live:lvs_1', scheduleId: 'lvs_1', state: 'started', plannedStartAt: 5_000, actualStartAt: 5_010 });
    expect(await store.store('edg_ap-2', liveElsewhere)).toBe('not_given');

    const { items, total } = await store.page({}, 10, 0);
    expect(total).toBe(3);
    expect(items.map((r) => r.eventId)).toEqual([live, tone, played]);
    expect(items[2]).toEqual({
      eventId: played, edgeId: 'edg_ap-1', edgeName: 'Tủ ap-1', hamletCode: 'ap-1', hamletName: 'Ấp 1', communeCode: 'vi-tan', title: 'Chương trình sch_tan',
      occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_1', state: 'completed', plannedStartAt: 1_000, actualStartAt: 1_200, offsetMs: 200,
      durationMs: 60_000, reason: null, zones: ['cho', 'truong'], receivedAt: expect.any(Number),
    });
    expect(items[0]).toMatchObject({ title: 'Thông báo trực tiếp', communeCode: 'vi-tan' });
  });

  it('catches up the events that arrived unheard, counting those never given, and keeps the box\'s priority or the schedule\'s', async () => {
    const q = get();
    await seed(q);
    const store = new PlaybackStore(q);
    await event(q, 'edg_ap-1', { occurrenceId: 'sch_prov:2000', scheduleId: 'sch_prov', state: 'completed', plannedStartAt: 2_000, actualStartAt: 2_000, durationMs: 1_000 });
    await event(q, 'edg_vt-1', { occurrenceId: 'sch_prov:2000', scheduleId: 'sch_prov', state: 'completed', plannedStartAt: 2_000, actualStartAt: 2_000, durationMs: 1_000, priority: 'emergency' });
    await event(q, 'edg_vt-1', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', state: 'started', plannedStartAt: 1_000 });
    expect(await store.catchUp()).toEqual({ stored: 2, leftOut: 1 });
    expect(await store.catchUp()).toEqual({ stored: 0, leftOut: 1 });
    const rows = await store.all({ scheduleId: 'sch_prov' }, 10);
    expect(rows.map((r) => [r.edgeId, r.communeCode])).toEqual(expect.arrayContaining([['edg_ap-1', 'vi-tan'], ['edg_vt-1', 'vi-thanh']]));
    const stored = await q.db.selectFrom('playback').select(['edge_id', 'priority']).orderBy('edge_id').execute();
    expect(stored).toEqual([{ edge_id: 'edg_ap-1', priority: 'priority' }, { edge_id: 'edg_vt-1', priority: 'emergency' }]);
  });

  it('filters a page by commune, hamlet, box, schedule, state and planned start, newest first', async () => {
    const q = get();
    await seed(q);
    const store = new PlaybackStore(q);
    const a = await event(q, 'edg_ap-1', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_1', state: 'completed', plannedStartAt: 1_000, actualStartAt: 1_000, durationMs: 500 });
    const b = await event(q, 'edg_ap-2', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_1', state: 'failed', plannedStartAt: 1_000 });
    const c = await event(q, 'edg_ap-1', { occurrenceId: 'sch_prov:2000', scheduleId: 'sch_prov', state: 'completed', plannedStartAt: 2_000, actualStartAt: 2_000, durationMs: 500 });
    const d = await event(q, 'edg_vt-1', { occurrenceId: 'sch_prov:2000', scheduleId: 'sch_prov', state: 'missed', plannedStartAt: 2_000 });
    await store.catchUp();
    const ids = async (f: Parameters<PlaybackStore['page']>[0]) => (await store.page(f, 10, 0)).items.map((r) => r.eventId);
    expect(await ids({})).toEqual([d, c, b, a]); // same planned start: newest received first
    expect(await ids({ communeCode: 'vi-tan' })).toEqual([c, b, a]);
    expect(await ids({ communeCode: 'vi-thanh' })).toEqual([d]);
    expect(await ids({ hamletCode: 'ap-2' })).toEqual([b]);
    expect(await ids({ edgeId: 'edg_ap-1' })).toEqual([c, a]);
    expect(await ids({ scheduleId: 'sch_prov', communeCode: 'vi-tan' })).toEqual([c]);
    expect(await ids({ state: 'completed' })).toEqual([c, a]);
    expect(await ids({ from: 1_500 })).toEqual([d, c]);
    expect(await ids({ to: 1_500 })).toEqual([b, a]);
    const second = await store.page({ communeCode: 'vi-tan' }, 2, 2);
    expect(second).toMatchObject({ total: 3, items: [{ eventId: a }] });
    expect((await store.all({ communeCode: 'vi-tan' }, 2)).map((r) => r.eventId)).toEqual([c, b]);
  });

  it('tells how far an alert got: per hamlet, per commune, its reach, and the first delivery to each hamlet once', async () => {
    const q = get();
    await seed(q);
    const store = new PlaybackStore(q);
    const alert = (edgeId: string, state: string, actualStartAt: number | null, receivedAt: number) =>
      event(q, edgeId, { occurrenceId: 'alert:alr_1:1', scheduleId: 'alr_1', bulletinId: 'bul_alr', state, plannedStartAt: 3_000, actualStartAt, durationMs: state === 'completed' ? 30_000 : null }, receivedAt);
    const first = await alert('edg_ap-1', 'started', 3_100, 20_000);
    expect(await store.store('edg_ap-1', first)).toBe('stored');
    expect(await store.alertDelivery(first)).toEqual({ alertId: 'alr_1', hamletCode: 'ap-1', edgeId: 'edg_ap-1', startedAt: 3_100 });
    const done = await alert('edg_ap-1', 'completed', 3_100, 21_000);
    expect(await store.store('edg_ap-1', done)).toBe('stored');
    expect(await store.alertDelivery(done)).toBeNull(); // ap-1 had heard it already
    const failed = await alert('edg_vt-1', 'failed', null, 22_000);
    expect(await store.store('edg_vt-1', failed)).toBe('stored');
    expect(await store.alertDelivery(failed)).toBeNull(); // never started

    const progress = await store.progressByHamlet('alr_1');
    expect(Object.fromEntries(progress)).toEqual({ 'ap-1': { firstStartedAt: 3_100, lastState: 'completed' }, 'vt-1': { firstStartedAt: null, lastState: 'failed' } });
    expect(await store.heard('alert', 'alr_1')).toEqual({ starts: 2, hamlets: 1, firstStartedAt: 3_100, lastStartedAt: 3_100 });
    expect(await store.heard('bulletin', 'bul_alr')).toEqual({ starts: 2, hamlets: 1, firstStartedAt: 3_100, lastStartedAt: 3_100 });
    expect(await store.heard('bulletin', 'bul_none')).toEqual({ starts: 0, hamlets: 0, firstStartedAt: null, lastStartedAt: null });
    expect(await store.byCommune('alr_1')).toEqual([
      { communeCode: 'vi-tan', communeName: 'Vị Tân', boxes: 1, hamlets: 1, starts: 2, completed: 1, failed: 0, missed: 0, firstStartedAt: 3_100, lastStartedAt: 3_100 },
      { communeCode: 'vi-thanh', communeName: 'Vị Thanh', boxes: 1, hamlets: 0, starts: 0, completed: 0, failed: 1, missed: 0, firstStartedAt: null, lastStartedAt: null },
    ]);
    expect(await store.byCommune('alr_1', 'vi-thanh')).toHaveLength(1);
    // a short play's start and end received in one millisecond: the end is the last state, whatever the ids
    const again = (state: string) =>
      event(q, 'edg_ap-1', { occurrenceId: 'alert:alr_1:1', scheduleId: 'alr_1', bulletinId: 'bul_alr', state, plannedStartAt: 3_000, actualStartAt: 3_100, durationMs: null }, 30_000);
    for (const e of [await again('completed'), await again('started')]) expect(await store.store('edg_ap-1', e)).toBe('stored');
    expect((await store.progressByHamlet('alr_1')).get('ap-1')).toEqual({ firstStartedAt: 3_100, lastState: 'completed' });
  });

  it("adds up a month's airtime once per occurrence, by hamlet, source and priority, without test tones", async () => {
    const q = get();
    await seed(q);
    const store = new PlaybackStore(q);
    // two events of one occurrence on one box count once, at its longest duration
    await event(q, 'edg_ap-1', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_1', state: 'interrupted', plannedStartAt: 1_000, actualStartAt: 1_000, durationMs: 20_000 });
    await event(q, 'edg_ap-1', { occurrenceId: 'sch_tan:1000', scheduleId: 'sch_tan', bulletinId: 'bul_1', state: 'completed', plannedStartAt: 1_000, actualStartAt: 1_000, durationMs: 60_000 });
    await event(q, 'edg_ap-1', { occurrenceId: 'alert:alr_1:1', scheduleId: 'alr_1', bulletinId: 'bul_alr', state: 'completed', plannedStartAt: 3_000, actualStartAt: 3_000, durationMs: 30_000 });
    await event(q, 'edg_ap-1', { occurrenceId: 'live:lvs_1', scheduleId: 'lvs_1', state: 'completed', plannedStartAt: 5_000, actualStartAt: 5_000, durationMs: 90_000 });
    await event(q, 'edg_vt-1', { occurrenceId: 'sch_prov:2000', scheduleId: 'sch_prov', state: 'completed', plannedStartAt: 2_000, actualStartAt: 2_000, durationMs: 45_000 });
    await event(q, 'edg_vt-1', { occurrenceId: `${TEST_TONE_SCHEDULE_ID}:1`, scheduleId: TEST_TONE_SCHEDULE_ID, state: 'completed', plannedStartAt: 2_500, actualStartAt: 2_500, durationMs: 3_000 });
    await store.catchUp();
    expect(await store.airtime(0, 10_000)).toEqual([
      { hamletCode: 'ap-1', source: 'alert', priority: 'emergency', items: 1, ms: 30_000 },
      { hamletCode: 'ap-1', source: 'bulletin', priority: 'normal', items: 1, ms: 60_000 },
      { hamletCode: 'ap-1', source: 'live', priority: 'priority', items: 1, ms: 90_000 },
      { hamletCode: 'vt-1', source: 'bulletin', priority: 'priority', items: 1, ms: 45_000 },
    ]);
    expect((await store.airtime(0, 10_000, 'vi-thanh')).map((r) => r.hamletCode)).toEqual(['vt-1']);
    expect(await store.airtime(0, 1_000)).toEqual([]);
  });
});
