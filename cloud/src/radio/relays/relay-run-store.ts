import type { Priority } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import type { UrlPlayed } from './relay-puller.js';
import type { Targets } from '../schedules/targets.js';
import type { Selectable } from 'kysely';
import type { RelayRunsTable } from '../../db/query/tables.js';

/**
 * Why a relay run ended: its window was over (`ended`), an operator stopped it (`stopped`), the live
 * session ended another way (`interrupted`), the cloud stopped during it (`cloud_stopped`: a
 * scheduled window is taken up again at the next start), or it could not run (`failed`).
 */
export const relayEndReasons = ['ended', 'stopped', 'interrupted', 'cloud_stopped', 'failed'] as const;
export type RelayEndReason = (typeof relayEndReasons)[number];

/** One relay of a station to hamlets, now or in a scheduled window: what it was, and what actually played. */
export interface RelayRun {
  id: string;
  stationId: string;
  stationName: string;
  scheduleId: string | null;
  occurrenceId: string | null;
  sessionId: string | null;
  title: string;
  priority: Priority;
  targets: Targets;
  startedBy: string | null;
  startedAt: number;
  /** The planned end (the window's); null: until stopped. */
  endsAt: number | null;
  endedAt: number | null;
  endReason: RelayEndReason | null;
  /** ms of the station's audio sent to the boxes, and of silence (nothing came from the station). */
  playedMs: number;
  silenceMs: number;
  bytes: number;
  reconnects: number;
  /** Which URL played how long. */
  urls: UrlPlayed[];
  lastError: string | null;
  /** The commune whose relay it is (its targets are in it); null: the province's. */
  communeCode: string | null;
}

type Row = Omit<Selectable<RelayRunsTable>, 'priority' | 'end_reason'> & { priority: Priority; end_reason: RelayEndReason | null };

const toRun = (r: Row): RelayRun => ({
  id: r.id,
  stationId: r.station_id,
  stationName: r.station_name,
  scheduleId: r.schedule_id,
  occurrenceId: r.occurrence_id,
  sessionId: r.session_id,
  title: r.title,
  priority: r.priority,
  targets: JSON.parse(r.targets) as Targets,
  startedBy: r.started_by,
  startedAt: r.started_at,
  endsAt: r.ends_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  playedMs: r.played_ms,
  silenceMs: r.silence_ms,
  bytes: r.bytes,
  reconnects: r.reconnects,
  urls: JSON.parse(r.urls) as UrlPlayed[],
  lastError: r.last_error,
  communeCode: r.commune_code,
});

export type NewRelayRun = Pick<RelayRun, 'id' | 'stationId' | 'stationName' | 'scheduleId' | 'occurrenceId' | 'sessionId' | 'title' | 'priority' | 'targets' | 'startedBy' | 'startedAt' | 'endsAt' | 'communeCode'>;
export type RelayOutcome = Pick<RelayRun, 'endedAt' | 'endReason' | 'playedMs' | 'silenceMs' | 'bytes' | 'reconnects' | 'urls' | 'lastError'>;

/** Relay runs in SQLite (table relay_runs): the station's log of what was relayed. */
export class RelayRunStore {
  constructor(private readonly db: Db) {}

  insert(run: NewRelayRun): RelayRun {
    this.db
      .prepare(
        `INSERT INTO relay_runs (id, station_id, station_name, schedule_id, occurrence_id, session_id, title, priority, targets, started_by, started_at, ends_at, commune_code)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.id, run.stationId, run.stationName, run.scheduleId, run.occurrenceId, run.sessionId, run.title, run.priority, JSON.stringify(run.targets), run.startedBy, run.startedAt, run.endsAt, run.communeCode);
    return this.get(run.id);
  }

  finish(id: string, o: RelayOutcome): RelayRun {
    this.db
      .prepare(
        `UPDATE relay_runs SET ended_at = ?, end_reason = ?, played_ms = ?, silence_ms = ?, bytes = ?, reconnects = ?, urls = ?, last_error = ?
         WHERE id = ? AND ended_at IS NULL`,
      )
      .run(o.endedAt, o.endReason, o.playedMs, o.silenceMs, o.bytes, o.reconnects, JSON.stringify(o.urls), o.lastError, id);
    return this.get(id);
  }

  /** What a running relay has done so far, saved now and then so a crash keeps most of it. */
  progress(id: string, p: Pick<RelayRun, 'playedMs' | 'silenceMs' | 'bytes' | 'reconnects' | 'lastError'>): void {
    this.db
      .prepare('UPDATE relay_runs SET played_ms = ?, silence_ms = ?, bytes = ?, reconnects = ?, last_error = ? WHERE id = ? AND ended_at IS NULL')
      .run(p.playedMs, p.silenceMs, p.bytes, p.reconnects, p.lastError, id);
  }

  get(id: string): RelayRun {
    const row = this.db.prepare('SELECT * FROM relay_runs WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound(`relay ${id}`);
    return toRun(row);
  }

  /** Newest first; `commune`: that commune's relays and the province's. */
  recent(limit: number, commune?: string): RelayRun[] {
    const rows = commune
      ? this.db.prepare('SELECT * FROM relay_runs WHERE commune_code = ? OR commune_code IS NULL ORDER BY started_at DESC, id DESC LIMIT ?').all(commune, limit)
      : this.db.prepare('SELECT * FROM relay_runs ORDER BY started_at DESC, id DESC LIMIT ?').all(limit);
    return (rows as Row[]).map(toRun);
  }

  /** The runs of a scheduled occurrence (a window taken up again after a restart has several). */
  ofOccurrence(occurrenceId: string): RelayRun[] {
    return (this.db.prepare('SELECT * FROM relay_runs WHERE occurrence_id = ? ORDER BY started_at').all(occurrenceId) as Row[]).map(toRun);
  }

  /**
   * Runs the cloud was relaying when it stopped or crashed: closed as `cloud_stopped` at `at` (what
   * they played is not known past the last save, so it stays as it was).
   */
  closeOpen(at: number): number {
    return this.db.prepare("UPDATE relay_runs SET ended_at = ?, end_reason = 'cloud_stopped' WHERE ended_at IS NULL").run(at).changes;
  }
}
