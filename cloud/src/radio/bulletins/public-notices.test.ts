import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { PublicNotices } from './public-notices.js';
import { insertPlaces } from '../../../../test-support/places.js';

const SHA = 'c'.repeat(64);

/** Two communes, a box in vi-tan, an asset, and bulletins: drafts, scheduled, alerted and played ones. */
async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: { id: 'edg_1', name: 'Tủ 1' } }] },
    { code: 'vi-thanh', name: 'Vị Thanh' },
  ]);
  const { db } = q;
  await db.insertInto('audio_assets').values({ sha256: SHA, bytes: 2_048, duration_ms: 9_000, mime: 'audio/ogg', created_at: 1 }).execute();
  const bulletin = (id: string, communeCode: string | null) => ({
    id, title: `Tin ${id}`, kind: 'upload', text: `Nội dung ${id}`, asset_sha256: SHA, duration_ms: 9_000, loudness_lufs: -16, true_peak_dbtp: -1, created_at: 1, commune_code: communeCode,
  });
  await db
    .insertInto('bulletins')
    .values([bulletin('bul_draft', 'vi-tan'), bulletin('bul_sched', 'vi-tan'), bulletin('bul_off', 'vi-tan'), bulletin('bul_prov', null), bulletin('bul_other', 'vi-thanh'), bulletin('bul_played', 'vi-tan')])
    .execute();
  const schedule = (id: string, bulletinId: string, createdAt: number, enabled: number, communeCode: string | null) => ({
    id, title: id, bulletin_id: bulletinId, duration_ms: 9_000, starts_local: '2026-12-07T06:00', time_zone: 'Asia/Ho_Chi_Minh', rrule: null, priority: 'normal', volume: 80,
    targets: '{"all":true}', enabled, created_at: createdAt, updated_at: createdAt, commune_code: communeCode,
  });
  await db
    .insertInto('schedules')
    .values([schedule('sch_1', 'bul_sched', 5_000, 1, 'vi-tan'), schedule('sch_2', 'bul_sched', 3_000, 1, 'vi-tan'), schedule('sch_off', 'bul_off', 1_000, 0, 'vi-tan'), schedule('sch_other', 'bul_other', 2_000, 1, 'vi-thanh')])
    .execute();
  await db
    .insertInto('alerts')
    .values({
      id: 'alr_1', version: 1, title: 'Bão', text: 'Bão', severity: 'severe', origin: 'json', bulletin_id: 'bul_prov', priority: 'emergency', volume: 100, repeat_every_ms: null,
      starts_at: 7_000, expires_at: 9_000_000, targets: '{"all":true}', status: 'active', created_at: 7_000, commune_code: null,
    })
    .execute();
  await db
    .insertInto('playback')
    .values([
      { event_id: 'evt_1', edge_id: 'edg_1', occurrence_id: 'x:1', schedule_id: 'x', bulletin_id: 'bul_played', state: 'completed', planned_start_at: 4_000, actual_start_at: 4_500, duration_ms: 9_000, received_at: 5_000, hamlet_code: 'ap-1', commune_code: 'vi-tan' },
      { event_id: 'evt_2', edge_id: 'edg_1', occurrence_id: 'x:2', schedule_id: 'x', bulletin_id: 'bul_played', state: 'missed', planned_start_at: 2_500, actual_start_at: null, duration_ms: null, received_at: 5_000, hamlet_code: 'ap-1', commune_code: 'vi-tan' },
      // the alert played too, earlier than it was sent by hand: the first of all counts
      { event_id: 'evt_3', edge_id: 'edg_1', occurrence_id: 'alert:alr_1:1', schedule_id: 'alr_1', bulletin_id: 'bul_prov', state: 'completed', planned_start_at: 6_000, actual_start_at: 6_500, duration_ms: 9_000, received_at: 7_000, hamlet_code: 'ap-1', commune_code: 'vi-tan' },
    ])
    .execute();
}

forEachDatabase('public notices', (get) => {
  it('lists published bulletins only, newest first, with when each was first published, per commune', async () => {
    const q = get();
    await seed(q);
    const notices = new PublicNotices(q);
    const all = await notices.recent(30, 'all');
    expect(all.map((n) => [n.id, n.publishedAt])).toEqual([
      ['bul_prov', 6_500],
      ['bul_sched', 3_000],
      ['bul_played', 2_500],
      ['bul_other', 2_000],
    ]);
    expect(all[0]).toEqual({ id: 'bul_prov', title: 'Tin bul_prov', text: 'Nội dung bul_prov', durationMs: 9_000, audio: { sha256: SHA, bytes: 2_048, mime: 'audio/ogg' }, publishedAt: 6_500 });
    expect((await notices.recent(30, { communeCode: 'vi-tan' })).map((n) => n.id)).toEqual(['bul_prov', 'bul_sched', 'bul_played']);
    expect((await notices.recent(30, { communeCode: 'vi-thanh' })).map((n) => n.id)).toEqual(['bul_prov', 'bul_other']);
    expect((await notices.recent(30, 'province')).map((n) => n.id)).toEqual(['bul_prov']);
    expect((await notices.recent(2, 'all')).map((n) => n.id)).toEqual(['bul_prov', 'bul_sched']);
  });

  it('reads one published notice within its scope: drafts, disabled-only and other communes are null', async () => {
    const q = get();
    await seed(q);
    const notices = new PublicNotices(q);
    expect(await notices.get('bul_sched', { communeCode: 'vi-tan' })).toMatchObject({ id: 'bul_sched', publishedAt: 3_000 });
    expect(await notices.get('bul_draft')).toBeNull();
    expect(await notices.get('bul_off')).toBeNull();
    expect(await notices.get('bul_other', { communeCode: 'vi-tan' })).toBeNull();
    expect(await notices.get('bul_other', 'all')).toMatchObject({ id: 'bul_other' });
    expect(await notices.get('bul_sched', 'province')).toBeNull();
  });
});
