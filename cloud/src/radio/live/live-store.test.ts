import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { postgresQueryDatabase } from '../../db/query/index.js';
import { newLiveSession as session } from '../../../../test-support/radio-rows.js';
import { LiveStore } from './live-store.js';

const MAX = 8;


async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'edg_ap-1' }] },
    { code: 'vi-thanh', name: 'Vị Thanh', hamlets: [{ code: 'vt-1', name: 'Ấp Một', edge: 'edg_vt-1' }] },
  ]);
}

const ending = (at: number, over: Partial<Parameters<LiveStore['end']>[1]> = {}) => ({ at, reason: 'stopped' as const, detail: null, by: null, bytes: 4_000, durationMs: 2_000, ...over });

forEachDatabase('LiveStore', (get) => {
  it('records a session going on air and reads it back as the API shows it', async () => {
    await seed(get());
    const store = new LiveStore(get());
    expect(await store.start(session('lvs_a', { zones: ['san'], origin: 'stn_1', endsAt: 9_000, startedBy: null }), MAX)).toBe(true);
    expect(await store.get('lvs_a')).toEqual({
      id: 'lvs_a', source: 'voice', title: 'Phát trực tiếp lvs_a', priority: 'normal', status: 'on_air', edges: ['edg_ap-1'], hamletCodes: ['ap-1'], zones: ['san'],
      communeCode: 'vi-tan', issuer: 'commune', startedBy: null, origin: 'stn_1', startedAt: 1_000, epoch: 1_800, endsAt: 9_000, endedAt: null, endReason: null,
      endDetail: null, bytes: 0, durationMs: 0, bulletinId: null, streamPath: '/api/v1/radio/live/lvs_a/stream',
    });
    expect(await store.file('lvs_a')).toBe('/data/live/lvs_a.ogg');
    expect(await store.file('lvs_none')).toBeNull();
    expect(await store.find('lvs_none')).toBeNull();
    await expect(store.get('lvs_none')).rejects.toThrow(/live session lvs_none not found/);
  });

  it('refuses a ninth session on air, writing nothing, and takes one again once a session ended', async () => {
    await seed(get());
    const store = new LiveStore(get());
    for (let i = 0; i < MAX; i++) expect(await store.start(session(`lvs_${i}`), MAX)).toBe(true);
    expect(await store.start(session('lvs_9th'), MAX)).toBe(false);
    expect(await store.find('lvs_9th')).toBeNull();
    expect(await store.end('lvs_3', ending(5_000))).toBe(true);
    expect(await store.start(session('lvs_9th'), MAX)).toBe(true);
    expect(await store.list({ status: 'on_air' })).toHaveLength(MAX);
  });

  it('holds the cap of 8 when many starts race from two connections (two cloud processes)', async () => {
    const q = get();
    await seed(q);
    // PostgreSQL: a second pool on the same database, so the starts really run at once under READ
    // COMMITTED. SQLite: one handle (its one writer serialises every process's statements anyway)
    const other = q.dialect === 'postgres' ? postgresQueryDatabase(q.address) : null;
    try {
      const stores = [new LiveStore(q), new LiveStore(other ?? q)];
      const started = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.start(session(`lvs_race${i}`), MAX)));
      expect(started.filter(Boolean)).toHaveLength(MAX);
      expect(await q.db.selectFrom('live_sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('ended_at', 'is', null).executeTakeFirstOrThrow()).toEqual({ n: MAX });
    } finally {
      await other?.close();
    }
  });

  it('ends a session once, with its final size; progress after the end changes nothing', async () => {
    await seed(get());
    const store = new LiveStore(get());
    await store.start(session('lvs_a'), MAX);
    await store.progress('lvs_a', 1_000, 500);
    expect(await store.get('lvs_a')).toMatchObject({ bytes: 1_000, durationMs: 500, status: 'on_air' });
    expect(await store.end('lvs_a', ending(5_000, { reason: 'stopped', detail: 'stopped by the operator', by: 'usr_1' }))).toBe(true);
    expect(await store.end('lvs_a', ending(6_000, { reason: 'interrupted' }))).toBe(false);
    await store.progress('lvs_a', 9_999, 9_999);
    expect(await store.get('lvs_a')).toMatchObject({ status: 'ended', endedAt: 5_000, endReason: 'stopped', endDetail: 'stopped by the operator', bytes: 4_000, durationMs: 2_000 });
  });

  it("lists newest first, a commune's own with the province's, on air or ended", async () => {
    await seed(get());
    const store = new LiveStore(get());
    await store.start(session('lvs_tan', { startedAt: 1_000 }), MAX);
    await store.start(session('lvs_prov', { startedAt: 2_000, communeCode: null }), MAX);
    await store.start(session('lvs_thanh', { startedAt: 3_000, communeCode: 'vi-thanh', edges: ['edg_vt-1'], hamletCodes: ['vt-1'] }), MAX);
    await store.end('lvs_tan', ending(4_000));
    const ids = (list: { id: string }[]) => list.map((s) => s.id);
    expect(ids(await store.list())).toEqual(['lvs_thanh', 'lvs_prov', 'lvs_tan']);
    expect(ids(await store.list({ commune: 'vi-tan' }))).toEqual(['lvs_prov', 'lvs_tan']);
    expect(ids(await store.list({ status: 'on_air' }))).toEqual(['lvs_thanh', 'lvs_prov']);
    expect(ids(await store.list({ status: 'ended', commune: 'vi-tan' }))).toEqual(['lvs_tan']);
    expect(ids(await store.list({ limit: 1 }))).toEqual(['lvs_thanh']);
    expect((await store.get('lvs_prov')).issuer).toBe('province');
  });

  it('gives the live document on air first, then the latest ended since a time', async () => {
    await seed(get());
    const store = new LiveStore(get());
    for (const [id, startedAt] of [['lvs_1', 1_000], ['lvs_2', 2_000], ['lvs_3', 3_000], ['lvs_4', 4_000]] as const) await store.start(session(id, { startedAt }), MAX);
    await store.end('lvs_1', ending(10_000));
    await store.end('lvs_2', ending(20_000));
    await store.end('lvs_3', ending(5_000));
    expect((await store.current(9_000)).map((s) => s.id)).toEqual(['lvs_4', 'lvs_2', 'lvs_1']);
  });

  it("ends what a stopped cloud left on air in one statement, and finds the voice recordings to archive", async () => {
    await seed(get());
    const store = new LiveStore(get());
    await store.start(session('lvs_voice'), MAX);
    await store.start(session('lvs_relay', { source: 'relay' }), MAX);
    await store.start(session('lvs_done'), MAX);
    await store.end('lvs_done', ending(3_000));
    await store.progress('lvs_voice', 2_000, 1_000);
    expect(await store.endOrphans(5_000)).toEqual(['lvs_relay', 'lvs_voice']);
    expect(await store.endOrphans(6_000)).toEqual([]);
    expect(await store.get('lvs_voice')).toMatchObject({ status: 'ended', endedAt: 5_000, endReason: 'interrupted', endDetail: 'the cloud stopped during the session', bytes: 2_000 });
    // voice only, with a recording, ended since the time asked, not archived yet
    expect((await store.unarchived(4_000)).map((s) => s.id)).toEqual(['lvs_voice']);
    expect((await store.unarchived(0)).map((s) => s.id)).toEqual(['lvs_done', 'lvs_voice']);
    await get().db.insertInto('audio_assets').values({ sha256: 'a'.repeat(64), bytes: 1, duration_ms: 1_000, mime: 'audio/ogg', created_at: 1 }).execute();
    await get().db.insertInto('bulletins').values({ id: 'bul_rec', title: 'Ghi âm', kind: 'upload', asset_sha256: 'a'.repeat(64), duration_ms: 1_000, loudness_lufs: -16, true_peak_dbtp: -1, created_at: 1 }).execute();
    await store.setBulletin('lvs_voice', 'bul_rec');
    expect((await store.get('lvs_voice')).bulletinId).toBe('bul_rec');
    expect((await store.unarchived(0)).map((s) => s.id)).toEqual(['lvs_done']);
  });
});
