import { newId } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { conflict, notFound } from '../../http/errors.js';
import type { RadioStationsTable } from '../../db/query/tables.js';

/** A station the commune relays (tiếp sóng): VOV, the provincial station… */
export interface Station {
  id: string;
  name: string;
  /** Icecast/HTTP (MP3, AAC) or HLS (.m3u8). */
  url: string;
  /** Tried when the primary fails several times in a row. */
  fallbackUrl: string | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  /** The commune whose station it is; null: the province's (its communes may relay it, not change it). */
  communeCode: string | null;
}

type Row = RadioStationsTable;

const toStation = (r: Row): Station => ({
  id: r.id,
  name: r.name,
  url: r.url,
  fallbackUrl: r.fallback_url,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  communeCode: r.commune_code,
});

export interface StationInput {
  name: string;
  url: string;
  fallbackUrl: string | null;
}

/** The stations list in SQLite (table radio_stations). */
export class StationStore {
  constructor(private readonly db: Db) {}

  /** By name; `commune`: that commune's stations and the province's (what its people see); absent: all. */
  list(commune?: string): Station[] {
    const rows = commune
      ? this.db.prepare('SELECT * FROM radio_stations WHERE commune_code = ? OR commune_code IS NULL ORDER BY name, id').all(commune)
      : this.db.prepare('SELECT * FROM radio_stations ORDER BY name, id').all();
    return (rows as Row[]).map(toStation);
  }

  find(id: string): Station | null {
    const row = this.db.prepare('SELECT * FROM radio_stations WHERE id = ?').get(id) as Row | undefined;
    return row ? toStation(row) : null;
  }

  get(id: string): Station {
    const station = this.find(id);
    if (!station) throw notFound(`station ${id}`);
    return station;
  }

  /** `communeCode`: the commune of the person adding it (null: a province-level person: the province's). */
  add(input: StationInput, createdBy: string | null, now: number, communeCode: string | null = null): Station {
    this.assertNameFree(input.name, null, communeCode);
    const id = newId('stn');
    this.db
      .prepare('INSERT INTO radio_stations (id, name, url, fallback_url, created_by, created_at, updated_at, commune_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.name, input.url, input.fallbackUrl, createdBy, now, now, communeCode);
    return this.get(id);
  }

  update(id: string, changes: Partial<StationInput>, now: number): Station {
    const current = this.get(id);
    const next = { ...current, ...changes };
    if (changes.name !== undefined) this.assertNameFree(changes.name, id, current.communeCode);
    this.db.prepare('UPDATE radio_stations SET name = ?, url = ?, fallback_url = ?, updated_at = ? WHERE id = ?').run(next.name, next.url, next.fallbackUrl, now, id);
    return this.get(id);
  }

  /** Refused while a schedule relays it: the schedule would lose its source. Past relays keep the station's name. */
  delete(id: string): void {
    this.get(id);
    const used = this.db.prepare('SELECT id, title FROM schedules WHERE station_id = ? LIMIT 1').get(id) as { id: string; title: string } | undefined;
    if (used) throw conflict(`the schedule "${used.title}" (${used.id}) relays this station: delete that schedule or give it another source first`, { scheduleId: used.id });
    this.db.prepare('DELETE FROM radio_stations WHERE id = ?').run(id);
  }

  /** Names are unique within a commune (and among the province's own): two communes may each have their "VOV1". */
  private assertNameFree(name: string, exceptId: string | null, communeCode: string | null): void {
    const other = this.db.prepare('SELECT id FROM radio_stations WHERE name = ? COLLATE NOCASE AND id IS NOT ? AND commune_code IS ?').get(name, exceptId, communeCode) as { id: string } | undefined;
    if (other) throw conflict(`a station is already called "${name}" (${other.id})`, { stationId: other.id });
  }
}
