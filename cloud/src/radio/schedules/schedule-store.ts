import type { Priority } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import type { OccurrenceException, Series } from './recurrence.js';
import type { Targets } from './targets.js';

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

interface ScheduleRow {
  id: string;
  title: string;
  bulletin_id: string | null;
  stream_url: string | null;
  station_id: string | null;
  duration_ms: number;
  starts_local: string;
  time_zone: string;
  rrule: string | null;
  priority: Priority;
  volume: number;
  targets: string;
  enabled: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  commune_code: string | null;
}

interface ExceptionRow {
  schedule_id: string;
  occurrence_local: string;
  action: 'skip' | 'move';
  moved_to_local: string | null;
}

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
  priority: row.priority,
  volume: row.volume,
  targets: JSON.parse(row.targets) as Targets,
  enabled: row.enabled === 1,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  exceptions,
  communeCode: row.commune_code,
});

const toException = (row: ExceptionRow): OccurrenceException => ({
  occurrenceLocal: row.occurrence_local,
  action: row.action,
  movedToLocal: row.moved_to_local,
});

/** Schedules and their per-occurrence exceptions in SQLite. */
export class ScheduleStore {
  constructor(private readonly db: Db) {}

  list(): Schedule[] {
    const exceptions = new Map<string, OccurrenceException[]>();
    for (const row of this.db.prepare('SELECT * FROM schedule_exceptions ORDER BY occurrence_local').all() as ExceptionRow[]) {
      exceptions.set(row.schedule_id, [...(exceptions.get(row.schedule_id) ?? []), toException(row)]);
    }
    const rows = this.db.prepare('SELECT * FROM schedules ORDER BY starts_local, id').all() as ScheduleRow[];
    return rows.map((row) => toSchedule(row, exceptions.get(row.id) ?? []));
  }

  get(id: string): Schedule {
    const row = this.db.prepare('SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRow | undefined;
    if (!row) throw notFound(`schedule ${id}`);
    const exceptions = this.db.prepare('SELECT * FROM schedule_exceptions WHERE schedule_id = ? ORDER BY occurrence_local').all(id) as ExceptionRow[];
    return toSchedule(row, exceptions.map(toException));
  }

  /** Inserts or replaces the schedule row (exceptions are kept). */
  save(s: Schedule): Schedule {
    this.db
      .prepare(
        `INSERT INTO schedules (id, title, bulletin_id, stream_url, station_id, duration_ms, starts_local, time_zone, rrule, priority, volume, targets, enabled, created_by, created_at, updated_at, commune_code)
         VALUES (@id, @title, @bulletinId, @streamUrl, @stationId, @durationMs, @startsLocal, @timeZone, @rrule, @priority, @volume, @targets, @enabled, @createdBy, @createdAt, @updatedAt, @communeCode)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, bulletin_id = excluded.bulletin_id, stream_url = excluded.stream_url, station_id = excluded.station_id,
           duration_ms = excluded.duration_ms, starts_local = excluded.starts_local, time_zone = excluded.time_zone, rrule = excluded.rrule,
           priority = excluded.priority, volume = excluded.volume, targets = excluded.targets, enabled = excluded.enabled, updated_at = excluded.updated_at`,
      )
      .run({
        id: s.id,
        title: s.title,
        bulletinId: s.source.kind === 'bulletin' ? s.source.bulletinId : null,
        // schedules' CHECK wants exactly one of bulletin_id and stream_url: a station item keeps a marker there (station_id is the reference)
        streamUrl: s.source.kind === 'stream' ? s.source.url : s.source.kind === 'station' ? `station:${s.source.stationId}` : null,
        stationId: s.source.kind === 'station' ? s.source.stationId : null,
        durationMs: s.durationMs,
        startsLocal: s.startsLocal,
        timeZone: s.timeZone,
        rrule: s.rrule,
        priority: s.priority,
        volume: s.volume,
        targets: JSON.stringify(s.targets),
        enabled: s.enabled ? 1 : 0,
        createdBy: s.createdBy,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
        // whose it is never changes after it is written (the ON CONFLICT above leaves it)
        communeCode: s.communeCode,
      });
    return this.get(s.id);
  }

  delete(id: string): void {
    if (this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id).changes === 0) throw notFound(`schedule ${id}`);
  }

  /** Records the skip or move of one occurrence, replacing an earlier one for the same occurrence. */
  putException(scheduleId: string, e: OccurrenceException): void {
    this.db
      .prepare(
        `INSERT INTO schedule_exceptions (schedule_id, occurrence_local, action, moved_to_local) VALUES (?, ?, ?, ?)
         ON CONFLICT (schedule_id, occurrence_local) DO UPDATE SET action = excluded.action, moved_to_local = excluded.moved_to_local`,
      )
      .run(scheduleId, e.occurrenceLocal, e.action, e.movedToLocal);
  }
}
