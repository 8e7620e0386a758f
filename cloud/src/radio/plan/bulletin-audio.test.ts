import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { BulletinAudioLookup } from './bulletin-audio.js';

forEachDatabase('bulletin audio lookup', (get) => {
  it('finds bulletins with their audio asset, one or many by id, leaving out unknown ids', async () => {
    const q = get();
    await q.db.insertInto('communes').values({ code: 'vi-tan', name: 'Vị Tân', district: 'Vị Thanh', province: 'Hậu Giang' }).execute();
    await q.db.insertInto('audio_assets').values({ sha256: 'd'.repeat(64), bytes: 1_234, duration_ms: 15_000, mime: 'audio/mpeg', created_at: 1 }).execute();
    const bulletin = (id: string, communeCode: string | null, durationMs: number) => ({
      id, title: `Tin ${id}`, kind: 'upload', asset_sha256: 'd'.repeat(64), duration_ms: durationMs, loudness_lufs: -16, true_peak_dbtp: -1, created_at: 1, commune_code: communeCode,
    });
    await q.db.insertInto('bulletins').values([bulletin('bul_a', 'vi-tan', 15_000), bulletin('bul_b', null, 15_100)]).execute();
    const lookup = new BulletinAudioLookup(q);
    expect(await lookup.find('bul_a')).toEqual({ id: 'bul_a', title: 'Tin bul_a', durationMs: 15_000, asset: { sha256: 'd'.repeat(64), bytes: 1_234, durationMs: 15_000, mime: 'audio/mpeg' }, communeCode: 'vi-tan' });
    expect(await lookup.find('bul_none')).toBeNull();
    const many = await lookup.findMany(['bul_b', 'bul_a', 'bul_none', 'bul_a']);
    expect([...many.keys()].sort()).toEqual(['bul_a', 'bul_b']);
    expect(many.get('bul_b')).toMatchObject({ durationMs: 15_100, communeCode: null });
    expect((await lookup.findMany([])).size).toBe(0);
  });
});
