import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { postgresQueryDatabase } from '../../db/query/index.js';
import { StationStore } from './station-store.js';

const vov = { name: 'VOV1', url: 'https://radio.example/vov1.mp3', fallbackUrl: null };

async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1' }] },
    { code: 'vi-thanh', name: 'Vị Thanh', hamlets: [{ code: 'vt-1', name: 'Ấp Một' }] },
  ]);
}

forEachDatabase('StationStore', (get) => {
  it('adds, reads and lists stations by name: a commune sees its own and the province’s', async () => {
    await seed(get());
    const store = new StationStore(get());
    const own = await store.add({ name: 'Đài tỉnh', url: 'https://radio.example/tinh.aac', fallbackUrl: 'https://radio.example/tinh.m3u8' }, 'usr_1', 1_000, 'vi-tan');
    const province = await store.add(vov, null, 2_000);
    const other = await store.add({ ...vov, name: 'VOV2' }, null, 3_000, 'vi-thanh');
    expect(own).toEqual({ id: own.id, name: 'Đài tỉnh', url: 'https://radio.example/tinh.aac', fallbackUrl: 'https://radio.example/tinh.m3u8', createdBy: 'usr_1', createdAt: 1_000, updatedAt: 1_000, communeCode: 'vi-tan' });
    expect(await store.get(province.id)).toEqual(province);
    expect(province.communeCode).toBeNull();
    expect((await store.list()).map((s) => s.id)).toEqual([province.id, other.id, own.id]);
    expect((await store.list('vi-tan')).map((s) => s.name)).toEqual(['VOV1', 'Đài tỉnh']);
    expect(await store.find('stn_none')).toBeNull();
    await expect(store.get('stn_none')).rejects.toThrow(/station stn_none not found/);
  });

  it('keeps names unique within a commune ignoring case, not across communes', async () => {
    await seed(get());
    const store = new StationStore(get());
    const first = await store.add(vov, null, 1_000, 'vi-tan');
    await expect(store.add({ ...vov, name: 'vov1' }, null, 2_000, 'vi-tan')).rejects.toThrow(`a station is already called "vov1" (${first.id})`);
    // another commune, and the province's own, may have theirs
    await store.add(vov, null, 2_000, 'vi-thanh');
    const province = await store.add(vov, null, 2_000);
    await expect(store.add(vov, null, 3_000)).rejects.toThrow(/already called/);
    expect(await store.list()).toHaveLength(3);
    // renaming onto a taken name is refused; onto its own name (another case) or a free one is fine
    const second = await store.add({ ...vov, name: 'VOV2' }, null, 3_000, 'vi-tan');
    await expect(store.update(second.id, { name: 'Vov1' }, 4_000)).rejects.toThrow(`a station is already called "Vov1" (${first.id})`);
    expect(await store.update(first.id, { name: 'vov1', fallbackUrl: 'https://radio.example/b.mp3' }, 5_000)).toMatchObject({ name: 'vov1', url: vov.url, fallbackUrl: 'https://radio.example/b.mp3', updatedAt: 5_000 });
    expect(await store.update(province.id, { url: 'https://radio.example/new.mp3' }, 6_000)).toMatchObject({ name: 'VOV1', url: 'https://radio.example/new.mp3', updatedAt: 6_000 });
    await expect(store.update('stn_none', { name: 'X' }, 7_000)).rejects.toThrow(/not found/);
  });

  it('adds one station of a name when two processes add it at once', async () => {
    const q = get();
    await seed(q);
    const other = q.dialect === 'postgres' ? postgresQueryDatabase(q.address) : null;
    try {
      const stores = [new StationStore(q), new StationStore(other ?? q)];
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.add({ ...vov, name: i % 2 ? 'Dai Tinh' : 'dai tinh' }, null, i, 'vi-tan')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/already called/);
      expect(await new StationStore(q).list('vi-tan')).toHaveLength(1);
    } finally {
      await other?.close();
    }
  });

  it('refuses to delete a station a schedule relays, naming the schedule; deletes it otherwise', async () => {
    const q = get();
    await seed(q);
    const store = new StationStore(q);
    const used = await store.add(vov, null, 1_000);
    const free = await store.add({ ...vov, name: 'VOV2' }, null, 1_000);
    await q.db
      .insertInto('schedules')
      .values({ id: 'sch_vov', title: 'Tiếp sóng VOV1', station_id: used.id, stream_url: `station:${used.id}`, duration_ms: 600_000, starts_local: '2026-12-07T06:00', time_zone: 'Asia/Ho_Chi_Minh', rrule: 'FREQ=DAILY', priority: 'normal', volume: 80, targets: JSON.stringify({ all: true }), enabled: 1, created_at: 1, updated_at: 1 })
      .execute();
    await expect(store.delete(used.id)).rejects.toThrow('the schedule "Tiếp sóng VOV1" (sch_vov) relays this station: delete that schedule or give it another source first');
    expect(await store.find(used.id)).not.toBeNull();
    await store.delete(free.id);
    expect(await store.find(free.id)).toBeNull();
    await expect(store.delete(free.id)).rejects.toThrow(/not found/);
  });
});
