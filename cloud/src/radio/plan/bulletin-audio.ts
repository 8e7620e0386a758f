import type { AudioAsset } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';

/** A bulletin as the radio plays it: its title, duration and distribution-ready audio asset. */
export interface BulletinAudio {
  id: string;
  title: string;
  durationMs: number;
  asset: AudioAsset;
  /** The bulletin's commune; null: the province's own, which every commune may schedule. */
  communeCode: string | null;
}

interface Row {
  id: string;
  title: string;
  duration_ms: number;
  sha256: string;
  bytes: number;
  asset_duration_ms: number;
  mime: AudioAsset['mime'];
  commune_code: string | null;
}

const toAudio = (r: Row): BulletinAudio => ({
  id: r.id,
  title: r.title,
  durationMs: r.duration_ms,
  asset: { sha256: r.sha256, bytes: r.bytes, durationMs: r.asset_duration_ms, mime: r.mime },
  communeCode: r.commune_code,
});

/** Read-only view of the bulletins library (the bulletins domain owns the tables). */
export class BulletinAudioLookup {
  constructor(private readonly q: QueryDatabase) {}

  private select() {
    return this.q.db
      .selectFrom('bulletins as b')
      .innerJoin('audio_assets as a', 'a.sha256', 'b.asset_sha256')
      .select(['b.id', 'b.title', 'b.duration_ms', 'b.commune_code', 'a.sha256', 'a.bytes', 'a.duration_ms as asset_duration_ms', 'a.mime']);
  }

  async find(id: string): Promise<BulletinAudio | null> {
    const row = await this.select().where('b.id', '=', id).executeTakeFirst();
    return row ? toAudio(row as Row) : null;
  }

  /** Every bulletin in the list that exists, by id (ids bound in chunks well under either database's parameter limit). */
  async findMany(ids: readonly string[]): Promise<Map<string, BulletinAudio>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, BulletinAudio>();
    for (let i = 0; i < unique.length; i += 1000) {
      const rows = await this.select().where('b.id', 'in', unique.slice(i, i + 1000)).execute();
      for (const r of rows) found.set(r.id, toAudio(r as Row));
    }
    return found;
  }
}
