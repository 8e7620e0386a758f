import type { Priority } from '@smart-commune/shared';
import type { Selectable } from 'kysely';
import type { QueryDatabase } from '../../db/query/index.js';
import { fromDbBool, fromExcluded, toDbBool } from '../../db/query/index.js';
import type { ScheduleExceptionsTable, SchedulesTable } from '../../db/query/tables.js';
import { notFound } from '../../http/errors.js';
import type { OccurrenceException, Series } from './recurrence.js';
import type { TargetHamlet, Targets } from './targets.js';

/**
 * What an item plays: a bulletin; a station the cloud relays (each window becomes a relay live
 * session, relays/); or a stream URL each box pulls itself (older plans, kept working).
 */
export type ScheduleSource = { kind: 'bulletin'; bulletinId: string } | { kind: 'station'; stationId: string } | { kind: 'stream'; url: string };

export interface Schedule extends Series {
  id: string;
  title: string;
  source: ScheduleSource;
  /** The bulletin's duration, or the relay's time window. */
  durationMs: number;
  priority: Priority;
  volume: number;
  targets: Targets;
  enabled: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  exceptions: OccurrenceException[];
  /** The commune it belongs to; null: the province's own (a province-wide programme), read-only for communes. */
  communeCode: string | null;
}

/** Which schedules a list reads: `commune` keeps one commune's and the province's own (null: all). */
export interface ScheduleSelection {
  commune?: string | null;
  enabledOnly?: boolean;
}

type ScheduleRow = Selectable<SchedulesTable>;
type ExceptionRow = Selectable<ScheduleExceptionsTable>;

const toSchedule = (row: ScheduleRow, exceptions: OccurrenceException[]): Schedule => ({
  id: row.id,
  title: row.title,
  source:
    row.bulletin_id !== null
      ? { kind: 'bulletin', bulletinId: row.bulletin_id }
      : row.station_id !== null
        ? { kind: 'station', stationId: row.station_id }
        : { kind: 'stream', url: row.stream_url ?? '' },
  durationMs: row.duration_ms,
  startsLocal: row.starts_local,
  timeZone: row.time_zone,
  rrule: row.rrule,
  priority: row.priority as Priority,
  volume: row.volume,
  targets: JSON.parse(row.targets) as Targets,
  enabled: fromDbBool(row.enabled),
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  exceptions,
  communeCode: row.commune_code,
});

const toException = (row: ExceptionRow): OccurrenceException => ({
  occurrenceLocal: row.occurrence_local,
  action: row.action as OccurrenceException['action'],
  movedToLocal: row.moved_to_local,
});

/** Schedules and their per-occurrence exceptions, through the query layer (SQLite or PostgreSQL). */
export class ScheduleStore {
  constructor(private readonly q: QueryDatabase) {}

  /**
   * By first start, with their exceptions. `commune`: only that commune's and the province's own
   * (filtered in SQL: a commune's calendar does not read the other communes' items).
   */
  async list(selection: ScheduleSelection = {}): Promise<Schedule[]> {
    let rows = this.q.db.selectFrom('schedules').selectAll();
    if (selection.commune) {
      const commune = selection.commune;
      rows = rows.where((eb) => eb.or([eb('commune_code', '=', commune), eb('commune_code', 'is', null)]));
    }
    if (selection.enabledOnly) rows = rows.where('enabled', '=', 1);
    const schedules = await rows.orderBy('starts_local').orderBy('id').execute();
    if (schedules.length === 0) return [];
    // the exceptions of the schedules read, by a join on the same conditions (no list of ids to bind)
    let exceptionRows = this.q.db.selectFrom('schedule_exceptions as x').innerJoin('schedules as s', 's.id', 'x.schedule_id').selectAll('x');
    if (selection.commune) {
      const commune = selection.commune;
      exceptionRows = exceptionRows.where((eb) => eb.or([eb('s.commune_code', '=', commune), eb('s.commune_code', 'is', null)]));
    }
    if (selection.enabledOnly) exceptionRows = exceptionRows.where('s.enabled', '=', 1);
    const exceptions = new Map<string, OccurrenceException[]>();
    for (const row of await exceptionRows.orderBy('x.schedule_id').orderBy('x.occurrence_local').execute()) {
      const list = exceptions.get(row.schedule_id);
      if (list) list.push(toException(row));
      else exceptions.set(row.schedule_id, [toException(row)]);
    }
    return schedules.map((row) => toSchedule(row, exceptions.get(row.id) ?? []));
  }

  async get(id: string): Promise<Schedule> {
    const row = await this.q.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`schedule ${id}`);
    const exceptions = await this.q.db.selectFrom('schedule_exceptions').selectAll().where('schedule_id', '=', id).orderBy('occurrence_local').execute();
    return toSchedule(row, exceptions.map(toException));
  }

  /** Inserts or replaces the schedule row (exceptions are kept). */
  async save(s: Schedule): Promise<Schedule> {
    await this.q.db
      .insertInto('schedules')
      .values({
        id: s.id,
        title: s.title,
        bulletin_id: s.source.kind === 'bulletin' ? s.source.bulletinId : null,
        // schedules' CHECK wants exactly one of bulletin_id and stream_url: a station item keeps a marker there (station_id is the reference)
        stream_url: s.source.kind === 'stream' ? s.source.url : s.source.kind === 'station' ? `station:${s.source.stationId}` : null,
        station_id: s.source.kind === 'station' ? s.source.stationId : null,
        duration_ms: s.durationMs,
        starts_local: s.startsLocal,
        time_zone: s.timeZone,
        rrule: s.rrule,
        priority: s.priority,
        volume: s.volume,
        targets: JSON.stringify(s.targets),
        enabled: toDbBool(s.enabled),
        created_by: s.createdBy,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
        // whose it is never changes after it is written (the upsert below leaves it)
        commune_code: s.communeCode,
      })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet(
            fromExcluded(['title', 'bulletin_id', 'stream_url', 'station_id', 'duration_ms', 'starts_local', 'time_zone', 'rrule', 'priority', 'volume', 'targets', 'enabled', 'updated_at']),
          ),
      )
      .execute();
    return this.get(s.id);
  }

  async delete(id: string): Promise<void> {
    const result = await this.q.db.deleteFrom('schedules').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`schedule ${id}`);
  }

  /**
   * The hamlets and boxes targets are compared with: one commune's, or (null) the whole province's.
   * A commune's calendar needs no other: another commune's box only reaches another commune's hamlet.
   */
  async places(commune: string | null): Promise<{ hamlets: TargetHamlet[]; hamletOfEdge: (edgeId: string) => string | undefined }> {
    let hamletRows = this.q.db.selectFrom('hamlets').select(['code', 'commune_code']);
    let edgeRows = this.q.db.selectFrom('edges as e').innerJoin('hamlets as h', 'h.code', 'e.hamlet_code').select(['e.id', 'e.hamlet_code']);
    if (commune !== null) {
      hamletRows = hamletRows.where('commune_code', '=', commune);
      edgeRows = edgeRows.where('h.commune_code', '=', commune);
    }
    const [hamlets, edges] = await Promise.all([hamletRows.orderBy('commune_code').orderBy('position').execute(), edgeRows.execute()]);
    const map = new Map(edges.map((e) => [e.id, e.hamlet_code]));
    return { hamlets: hamlets.map((h) => ({ code: h.code, communeCode: h.commune_code })), hamletOfEdge: (id) => map.get(id) };
  }

  /** Records the skip or move of one occurrence, replacing an earlier one for the same occurrence. */
  async putException(scheduleId: string, e: OccurrenceException): Promise<void> {
    await this.q.db
      .insertInto('schedule_exceptions')
      .values({ schedule_id: scheduleId, occurrence_local: e.occurrenceLocal, action: e.action, moved_to_local: e.movedToLocal })
      .onConflict((oc) => oc.columns(['schedule_id', 'occurrence_local']).doUpdateSet(fromExcluded(['action', 'moved_to_local'])))
      .execute();
  }
}
