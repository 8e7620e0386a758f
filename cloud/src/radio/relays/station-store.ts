import { newId } from '@smart-commune/shared';
import type { Kysely } from 'kysely';
import { eqNoCase, transactionLock, type Database, type QueryDatabase } from '../../db/query/index.js';
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

/**
 * The lock that adding or renaming a station in a commune (or among the province's own) takes
 * (dialect.ts, transactionLock): the name check and the write are one statement, and behind the
 * lock two processes adding "VOV1" to one commune at once cannot both find the name free under READ
 * COMMITTED.
 */
const nameLock = (d: QueryDatabase['dialect'], communeCode: string | null) => transactionLock(d, JSON.stringify(['radio_stations.name', communeCode]));

/** Another station of the same commune (or of the province's own) with this name, ignoring case. */
const sameName = (db: Kysely<Database>, d: QueryDatabase['dialect'], name: string, exceptId: string | null, communeCode: string | null) =>
  db
    .selectFrom('radio_stations as other')
    .select('other.id')
    .where((eb) => eqNoCase(d, eb.ref('other.name'), name))
    .where('other.commune_code', communeCode === null ? 'is' : '=', communeCode)
    .$if(exceptId !== null, (qb) => qb.where('other.id', '!=', exceptId!));

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
export interface StationInput {
  name: string;
  url: string;
  fallbackUrl: string | null;
}

/** The stations list (table radio_stations). */
export class StationStore {
  constructor(private readonly q: QueryDatabase) {}

  /** By name; `commune`: that commune's stations and the province's (what its people see); absent: all. */
  async list(commune?: string): Promise<Station[]> {
    const rows = await this.q.db
      .selectFrom('radio_stations')
      .selectAll()
      .$if(!!commune, (qb) => qb.where((eb) => eb.or([eb('commune_code', '=', commune!), eb('commune_code', 'is', null)])))
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toStation);
  }

  async find(id: string): Promise<Station | null> {
    const row = await this.q.db.selectFrom('radio_stations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toStation(row) : null;
  }

  async get(id: string): Promise<Station> {
    const station = await this.find(id);
    if (!station) throw notFound(`station ${id}`);
    return station;
  }

  /**
   * `communeCode`: the commune of the person adding it (null: a province-level person: the
   * province's). Names are unique within a commune (and among the province's own), ignoring case:
   * two communes may each have their "VOV1".
   */
  async add(input: StationInput, createdBy: string | null, now: number, communeCode: string | null = null): Promise<Station> {
    const id = newId('stn');
    const row = { id, name: input.name, url: input.url, fallback_url: input.fallbackUrl, created_by: createdBy, created_at: now, updated_at: now, commune_code: communeCode };
    const columns = Object.keys(row) as (keyof typeof row)[];
    const inserted = await this.q.db.transaction().execute(async (trx) => {
      for (const statement of nameLock(this.q.dialect, communeCode)) await statement.execute(trx);
      return trx
        .insertInto('radio_stations')
        .columns(columns)
        .expression(
          trx
            .selectNoFrom((eb) => columns.map((c) => eb.val(row[c]).as(c)))
            .where((eb) => eb.not(eb.exists(sameName(trx, this.q.dialect, input.name, null, communeCode)))),
        )
        .returning('id')
        .executeTakeFirst();
    });
    if (!inserted) await this.refuseTakenName(input.name, null, communeCode);
    return this.get(id);
  }

  async update(id: string, changes: Partial<StationInput>, now: number): Promise<Station> {
    const current = await this.get(id);
    const { name } = changes;
    const updated = await this.q.db.transaction().execute(async (trx) => {
      if (name !== undefined) for (const statement of nameLock(this.q.dialect, current.communeCode)) await statement.execute(trx);
      return trx
        .updateTable('radio_stations')
        .set({
          ...(name !== undefined ? { name } : {}),
          ...(changes.url !== undefined ? { url: changes.url } : {}),
          ...(changes.fallbackUrl !== undefined ? { fallback_url: changes.fallbackUrl } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .$if(name !== undefined, (qb) => qb.where((eb) => eb.not(eb.exists(sameName(trx, this.q.dialect, name!, id, current.communeCode)))))
        .returning('id')
        .executeTakeFirst();
    });
    if (!updated) {
      await this.get(id); // deleted meanwhile: 404
      await this.refuseTakenName(name!, id, current.communeCode);
    }
    return this.get(id);
  }

  /**
   * Refused while a schedule relays it: the schedule would lose its source. One statement with its
   * condition; the schedules' foreign key (ON DELETE RESTRICT) refuses it too should a schedule take
   * the station between the two. Past relays keep the station's name.
   */
  async delete(id: string): Promise<void> {
    let deleted: { id: string } | undefined;
    try {
      deleted = await this.q.db
        .deleteFrom('radio_stations')
        .where('id', '=', id)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('schedules').select('schedules.id').where('schedules.station_id', '=', id))))
        .returning('id')
        .executeTakeFirst();
    } catch (err) {
      await this.refuseRelayed(id);
      throw err;
    }
    if (deleted) return;
    await this.get(id); // unknown: 404
    await this.refuseRelayed(id);
  }

  /** Says which station has the name (409); returns when none does (the write was refused for another reason). */
  private async refuseTakenName(name: string, exceptId: string | null, communeCode: string | null): Promise<void> {
    const other = await sameName(this.q.db, this.q.dialect, name, exceptId, communeCode).executeTakeFirst();
    if (other) throw conflict(`a station is already called "${name}" (${other.id})`, { stationId: other.id });
  }

  private async refuseRelayed(id: string): Promise<void> {
    const used = await this.q.db.selectFrom('schedules').select(['id', 'title']).where('station_id', '=', id).limit(1).executeTakeFirst();
    if (used) throw conflict(`the schedule "${used.title}" (${used.id}) relays this station: delete that schedule or give it another source first`, { scheduleId: used.id });
  }
}
