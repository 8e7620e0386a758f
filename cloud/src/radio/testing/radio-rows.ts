/**
 * Rows the radio stores' tests need around them, written through the query layer so the same
 * fixture serves SQLite and PostgreSQL: two communes with hamlets and a box each, and a bulletin
 * with its audio.
 */
import type { QueryDatabase } from '../../db/query/index.js';
import { insertPlaces } from '../../../../test-support/places.js';

/** vi-tan (ap-1, ap-2, box edge-a in ap-1) and vi-dong (vd-1, box edge-b). */
export async function twoCommunes(q: QueryDatabase): Promise<void> {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: { id: 'edge-a', name: 'Tủ A' } }, { code: 'ap-2', name: 'Ấp 2' }] },
    { code: 'vi-dong', name: 'Vị Đông', district: 'Vị Thủy', hamlets: [{ code: 'vd-1', name: 'Ấp Vị Đông 1', edge: { id: 'edge-b', name: 'Tủ B' } }] },
  ]);
}

/** A spoken bulletin with its audio asset; returns the bulletin's id. */
export async function bulletinRow({ db }: QueryDatabase, id = 'bul-1', sha256 = 'a'.repeat(64), communeCode: string | null = null): Promise<string> {
  await db
    .insertInto('audio_assets')
    .values({ sha256, bytes: 1234, duration_ms: 5000, mime: 'audio/ogg', created_at: 0, commune_code: communeCode })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  await db
    .insertInto('bulletins')
    .values({ id, title: 'Bản tin', kind: 'tts', text: 'Xin chào', spoken_text: null, voice: null, speed: null, original_name: null, asset_sha256: sha256, duration_ms: 5100, loudness_lufs: -16, true_peak_dbtp: -1, created_by: null, created_at: 0, commune_code: communeCode })
    .execute();
  return id;
}
