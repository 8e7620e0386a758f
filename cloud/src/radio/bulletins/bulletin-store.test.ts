import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { BulletinStore, type NewBulletin } from './bulletin-store.js';
import { insertPlaces } from '../../../../test-support/places.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

/** Two communes of one hamlet and one box each, and two audio assets. */
async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'edg_ap-1' }] },
    { code: 'vi-thanh', name: 'Vị Thanh', hamlets: [{ code: 'vt-1', name: 'Ấp Một', edge: 'edg_vt-1' }] },
  ]);
  const { db } = q;
  await db
    .insertInto('audio_assets')
    .values([SHA_A, SHA_B].map((sha256) => ({ sha256, bytes: 4_096, duration_ms: 12_000, mime: 'audio/ogg', created_at: 1 })))
    .execute();
}

const bulletin = (title: string, communeCode: string | null, extra: Partial<NewBulletin> = {}): NewBulletin => ({
  title,
  kind: 'tts',
  text: `Nội dung ${title}`,
  spokenText: `Nội dung ${title}`,
  voice: 'vi-north',
  speed: 160,
  originalName: null,
  asset: { sha256: SHA_A, bytes: 4_096, durationMs: 12_000, mime: 'audio/ogg' },
  integratedLufs: -16.1,
  truePeakDbtp: -1.4,
  createdBy: null,
  communeCode,
  ...extra,
});

forEachDatabase('bulletin store', (get) => {
  it('creates and reads a bulletin with its asset; another commune asking gets 404 like a missing one', async () => {
    const q = get();
    await seed(q);
    const store = new BulletinStore(q);
    const created = await store.create(bulletin('Lịch tiêm chủng', 'vi-tan'));
    expect(created).toMatchObject({
      title: 'Lịch tiêm chủng',
      kind: 'tts',
      voice: 'vi-north',
      speed: 160,
      asset: { sha256: SHA_A, bytes: 4_096, durationMs: 12_000, mime: 'audio/ogg' },
      durationMs: 12_000,
      integratedLufs: -16.1,
      truePeakDbtp: -1.4,
      communeCode: 'vi-tan',
    });
    expect(await store.get(created.id, { communeCode: 'vi-tan' })).toEqual(created);
    expect(await store.get(created.id, { communeCode: null })).toEqual(created);
    await expect(store.get(created.id, { communeCode: 'vi-thanh' })).rejects.toMatchObject({ status: 404 });
    await expect(store.get('bul_missing')).rejects.toMatchObject({ status: 404 });
  });

  it("lists newest first, a commune's own and the province's, searching title and text literally and ignoring ASCII case", async () => {
    const q = get();
    await seed(q);
    const store = new BulletinStore(q);
    let now = 1_000;
    const spy = Date.now;
    Date.now = () => (now += 1_000);
    try {
      await store.create(bulletin('Mua lua', 'vi-tan'));
      await store.create(bulletin('Province news', null, { text: 'Thoi tiet MUA bao' }));
      await store.create(bulletin('Mua ban 100%', 'vi-thanh'));
      await store.create(bulletin('Hop dan', 'vi-tan'));
    } finally {
      Date.now = spy;
    }
    const titles = async (options: Parameters<BulletinStore['list']>[0]) => {
      const page = await store.list(options);
      return { titles: page.bulletins.map((b) => b.title), total: page.total };
    };
    expect(await titles({ limit: 10, offset: 0 })).toEqual({ titles: ['Hop dan', 'Mua ban 100%', 'Province news', 'Mua lua'], total: 4 });
    expect(await titles({ limit: 10, offset: 0, viewer: { communeCode: 'vi-tan' } })).toEqual({ titles: ['Hop dan', 'Province news', 'Mua lua'], total: 3 });
    expect(await titles({ limit: 1, offset: 1, viewer: { communeCode: 'vi-tan' } })).toEqual({ titles: ['Province news'], total: 3 });
    expect(await titles({ limit: 10, offset: 0, search: 'mua', viewer: { communeCode: 'vi-tan' } })).toEqual({ titles: ['Province news', 'Mua lua'], total: 2 });
    // % and _ are matched as themselves, not as wildcards
    expect(await titles({ limit: 10, offset: 0, search: '100%' })).toEqual({ titles: ['Mua ban 100%'], total: 1 });
    expect(await titles({ limit: 10, offset: 0, search: 'M_a' })).toEqual({ titles: [], total: 0 });
  });

  it('deletes a draft only: a scheduled, alerted or played bulletin stays, and a commune cannot delete the province own', async () => {
    const q = get();
    await seed(q);
    const store = new BulletinStore(q);
    const draft = await store.create(bulletin('Nháp', 'vi-tan'));
    const scheduled = await store.create(bulletin('Đã lên lịch', 'vi-tan'));
    const played = await store.create(bulletin('Đã phát', 'vi-tan'));
    const province = await store.create(bulletin('Của tỉnh', null));
    await q.db
      .insertInto('schedules')
      .values({ id: 'sch_1', title: 'Bản tin sáng', bulletin_id: scheduled.id, duration_ms: 12_000, starts_local: '2026-12-07T06:00', time_zone: 'Asia/Ho_Chi_Minh', rrule: 'FREQ=DAILY', priority: 'normal', volume: 80, targets: '{"all":true}', created_at: 1, updated_at: 1, commune_code: 'vi-tan' })
      .execute();
    await q.db
      .insertInto('playback')
      .values({ event_id: 'evt_1', edge_id: 'edg_ap-1', occurrence_id: 'x:1', schedule_id: 'x', bulletin_id: played.id, state: 'completed', planned_start_at: 1, actual_start_at: 1, duration_ms: 1, received_at: 2, hamlet_code: 'ap-1', commune_code: 'vi-tan' })
      .execute();
    await expect(store.delete(scheduled.id, { communeCode: 'vi-tan' })).rejects.toMatchObject({ status: 409, message: expect.stringContaining('Bản tin sáng') });
    await expect(store.delete(played.id, { communeCode: 'vi-tan' })).rejects.toMatchObject({ status: 409 });
    await expect(store.delete(province.id, { communeCode: 'vi-tan' })).rejects.toMatchObject({ status: 403 });
    await expect(store.delete(draft.id, { communeCode: 'vi-thanh' })).rejects.toMatchObject({ status: 404 });
    await store.delete(draft.id, { communeCode: 'vi-tan' });
    await expect(store.get(draft.id)).rejects.toMatchObject({ status: 404 });
    await store.delete(province.id, { communeCode: null });
    expect((await store.list({ limit: 10, offset: 0 })).total).toBe(2);
  });

  it("lets a box fetch an asset only when a bulletin of its commune or of the province plays it", async () => {
    const q = get();
    await seed(q);
    const store = new BulletinStore(q);
    await store.create(bulletin('Của Vị Tân', 'vi-tan', { asset: { sha256: SHA_A, bytes: 4_096, durationMs: 12_000, mime: 'audio/ogg' } }));
    expect(await store.assetFor(SHA_A, 'edg_ap-1')).toBe(true);
    expect(await store.assetFor(SHA_A, 'edg_vt-1')).toBe(false);
    expect(await store.assetFor(SHA_B, 'edg_ap-1')).toBe(false);
    await store.create(bulletin('Của tỉnh', null, { asset: { sha256: SHA_B, bytes: 4_096, durationMs: 12_000, mime: 'audio/ogg' } }));
    expect(await store.assetFor(SHA_B, 'edg_vt-1')).toBe(true);
  });
});
