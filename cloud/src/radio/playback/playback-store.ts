import { TEST_TONE_SCHEDULE_ID, type playbackStates } from '@smart-commune/shared';
import { whereOf } from '../../db/where.js';
import type { Db } from '../../db/database.js';
import type { Selectable } from 'kysely';
import type { PlaybackTable } from '../../db/query/tables.js';

export type PlaybackState = (typeof playbackStates)[number];

/** One proof-of-play event as stored, with where and what it was. */
export interface PlaybackRecord {
  eventId: string;
  edgeId: string;
  edgeName: string;
  /** The box's hamlet when the event arrived. */
  hamletCode: string | null;
  hamletName: string | null;
  /** The box's commune when the event arrived (issue 10). */
  communeCode: string | null;
  title: string;
  occurrenceId: string;
  scheduleId: string;
  bulletinId: string | null;
  state: PlaybackState;
  plannedStartAt: number;
  actualStartAt: number | null;
  /** actual − planned start, ms; null when it never started. */
  offsetMs: number | null;
  durationMs: number | null;
  reason: string | null;
  zones: string[] | null;
  receivedAt: number;
}

export interface PlaybackFilter {
  edgeId?: string;
  /** Only this commune's boxes (a commune's person always has their own here). */
  communeCode?: string;
  /** Only the plays of this schedule or alert (its id is their schedule id). */
  scheduleId?: string;
  hamletCode?: string;
  /** Planned start in [from, to), epoch ms. */
  from?: number;
  to?: number;
  state?: PlaybackState;
}

/** A playback row with its box's and hamlet's names (SELECT). */
type Row = Omit<Selectable<PlaybackTable>, 'state'> & { state: PlaybackState; edge_name: string; hamlet_name: string | null };

const toRecord = (r: Row): PlaybackRecord => ({
  eventId: r.event_id,
  edgeId: r.edge_id,
  edgeName: r.edge_name,
  hamletCode: r.hamlet_code,
  hamletName: r.hamlet_name,
  communeCode: r.commune_code,
  title: r.title,
  occurrenceId: r.occurrence_id,
  scheduleId: r.schedule_id,
  bulletinId: r.bulletin_id,
  state: r.state,
  plannedStartAt: r.planned_start_at,
  actualStartAt: r.actual_start_at,
  offsetMs: r.actual_start_at === null ? null : r.actual_start_at - r.planned_start_at,
  durationMs: r.duration_ms,
  reason: r.reason,
  zones: r.zones === null ? null : (JSON.parse(r.zones) as string[]),
  receivedAt: r.received_at,
});

/**
 * Whether the box was given the event's occurrence in a plan, with that schedule and that bulletin
 * (or none: an alert the box took from the broadcast carries no bulletin id). Proof of play of
 * anything else is refused: it would publish whatever bulletin the box names. A test tone, played
 * on a technician's request and naming no bulletin, is one thing a box plays outside its plan; a live
 * session (scheduleId = its id, `live:` or `relay:` + its id, no bulletin) that targets the box is the other.
 */
const GIVEN = `(EXISTS (SELECT 1 FROM plan_occurrences o
    WHERE o.edge_id = ev.edge_id AND o.occurrence_id = json_extract(ev.body, '$.occurrenceId') AND o.schedule_id = json_extract(ev.body, '$.scheduleId')
      AND (json_extract(ev.body, '$.bulletinId') IS NULL OR o.bulletin_id = json_extract(ev.body, '$.bulletinId')))
  OR (json_extract(ev.body, '$.scheduleId') = '${TEST_TONE_SCHEDULE_ID}' AND json_extract(ev.body, '$.bulletinId') IS NULL
      AND json_extract(ev.body, '$.occurrenceId') LIKE '${TEST_TONE_SCHEDULE_ID}:%')
  OR EXISTS (SELECT 1 FROM live_sessions l, json_each(l.edges) j
    WHERE l.id = json_extract(ev.body, '$.scheduleId') AND j.value = ev.edge_id AND json_extract(ev.body, '$.bulletinId') IS NULL
      AND json_extract(ev.body, '$.occurrenceId') = (CASE l.source WHEN 'voice' THEN 'live:' ELSE 'relay:' END) || l.id))`;

/**
 * Copies playback events from `edge_events` (where the fleet stores each eventId once) into the
 * playback table, with the box's hamlet and the item's title at that moment, so the log survives
 * the schedule being deleted or the box being moved. Only events of occurrences the box was given.
 */
const copyWhere = (which: string) => `
  INSERT OR IGNORE INTO playback (event_id, edge_id, occurrence_id, schedule_id, bulletin_id, state, planned_start_at, actual_start_at,
    duration_ms, reason, zones, received_at, hamlet_code, commune_code, title, priority)
  SELECT ev.event_id, ev.edge_id, json_extract(ev.body, '$.occurrenceId'), json_extract(ev.body, '$.scheduleId'),
    json_extract(ev.body, '$.bulletinId'), json_extract(ev.body, '$.state'), json_extract(ev.body, '$.plannedStartAt'),
    json_extract(ev.body, '$.actualStartAt'), json_extract(ev.body, '$.durationMs'), json_extract(ev.body, '$.reason'),
    json_extract(ev.body, '$.zones'), ev.received_at, ed.hamlet_code, (SELECT h.commune_code FROM hamlets h WHERE h.code = ed.hamlet_code),
    COALESCE((SELECT s.title FROM schedules s WHERE s.id = json_extract(ev.body, '$.scheduleId')),
             (SELECT a.title FROM alerts a WHERE a.id = json_extract(ev.body, '$.scheduleId')),
             (SELECT l.title FROM live_sessions l WHERE l.id = json_extract(ev.body, '$.scheduleId')),
             (SELECT b.title FROM bulletins b WHERE b.id = json_extract(ev.body, '$.bulletinId')), ''),
    -- boxes before issue 13 do not say the priority: the schedule's or the alert's is what they were given
    COALESCE(json_extract(ev.body, '$.priority'), (SELECT s.priority FROM schedules s WHERE s.id = json_extract(ev.body, '$.scheduleId')),
             (SELECT a.priority FROM alerts a WHERE a.id = json_extract(ev.body, '$.scheduleId')),
             (SELECT l.priority FROM live_sessions l WHERE l.id = json_extract(ev.body, '$.scheduleId')))
  FROM edge_events ev JOIN edges ed ON ed.id = ev.edge_id
  WHERE ev.kind = 'playback' AND ${which} AND ${GIVEN}
    AND NOT EXISTS (SELECT 1 FROM playback p WHERE p.event_id = ev.event_id)`;
/** One event, found by its primary key (a condition that could also be true for all would make SQLite scan them all). */
const COPY_ONE = copyWhere('ev.edge_id = @edgeId AND ev.event_id = @eventId');
const COPY_ALL = copyWhere('1');
/** Playback events neither stored nor storable: what a catch-up left out. */
const LEFT_OUT = `SELECT COUNT(*) FROM edge_events ev WHERE ev.kind = 'playback' AND NOT EXISTS (SELECT 1 FROM playback p WHERE p.event_id = ev.event_id)`;

const SELECT = `
  SELECT p.*, e.name AS edge_name, h.name AS hamlet_name
  FROM playback p JOIN edges e ON e.id = p.edge_id LEFT JOIN hamlets h ON h.code = p.hamlet_code`;

const whereFor = (f: PlaybackFilter) =>
  whereOf([
    ['p.edge_id = @edgeId', 'edgeId', f.edgeId],
    ['p.commune_code = @communeCode', 'communeCode', f.communeCode],
    ['p.schedule_id = @scheduleId', 'scheduleId', f.scheduleId],
    ['p.hamlet_code = @hamletCode', 'hamletCode', f.hamletCode],
    ['p.planned_start_at >= @from', 'from', f.from],
    ['p.planned_start_at < @to', 'to', f.to],
    ['p.state = @state', 'state', f.state],
  ]);

const ORDER = 'ORDER BY p.planned_start_at DESC, p.received_at DESC, p.event_id';


/** Broadcast sources of the monthly report, read from the occurrence id. */
export type BroadcastSource = 'bulletin' | 'live' | 'relay' | 'alert';

/** One cell of the monthly report: a hamlet's occurrences of one source and priority, and their time on air. */
export interface AirtimeRow {
  hamletCode: string;
  source: BroadcastSource;
  priority: 'emergency' | 'priority' | 'normal' | 'unknown';
  items: number;
  ms: number;
}

/** One commune's line of a programme's proof of play (PlaybackStore.byCommune). */
export interface CommuneProgress {
  communeCode: string | null;
  communeName: string | null;
  boxes: number;
  hamlets: number;
  starts: number;
  completed: number;
  failed: number;
  missed: number;
  firstStartedAt: number | null;
  lastStartedAt: number | null;
}

/** The proof-of-play log: what each box played, when, against when it was planned. */
export interface HamletProgress {
  firstStartedAt: number | null;
  lastState: PlaybackState;
}

export class PlaybackStore {
  constructor(private readonly db: Db) {}

  /** Stores one playback event already recorded by the fleet, unless stored before or of an occurrence the box was not given. */
  store(edgeId: string, eventId: string): 'stored' | 'duplicate' | 'not_given' {
    if (this.db.prepare(COPY_ONE).run({ edgeId, eventId }).changes === 1) return 'stored';
    return this.db.prepare('SELECT 1 FROM playback WHERE event_id = ?').get(eventId) ? 'duplicate' : 'not_given';
  }

  /**
   * The alert a stored event shows starting in its box's hamlet for the first time (no other stored
   * event of that alert from that hamlet has a start), or null: not an alert, no start, no hamlet,
   * or the hamlet had heard it already.
   */
  alertDelivery(eventId: string): { alertId: string; hamletCode: string; edgeId: string; startedAt: number } | null {
    const row = this.db
      .prepare(
        `SELECT p.schedule_id AS alertId, p.hamlet_code AS hamletCode, p.edge_id AS edgeId, p.actual_start_at AS startedAt
         FROM playback p JOIN alerts a ON a.id = p.schedule_id
         WHERE p.event_id = ? AND p.actual_start_at IS NOT NULL AND p.hamlet_code IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM playback q WHERE q.schedule_id = p.schedule_id AND q.hamlet_code = p.hamlet_code
             AND q.actual_start_at IS NOT NULL AND q.event_id <> p.event_id)`,
      )
      .get(eventId) as { alertId: string; hamletCode: string; edgeId: string; startedAt: number } | undefined;
    return row ?? null;
  }

  /**
   * Stores every playback event not stored yet (those that arrived while the radio was not
   * listening); `leftOut` counts those of occurrences their box was not given, refused again.
   */
  catchUp(): { stored: number; leftOut: number } {
    const stored = this.db.prepare(COPY_ALL).run().changes;
    return { stored, leftOut: this.db.prepare(LEFT_OUT).pluck().get() as number };
  }

  /** Newest planned start first. */
  page(filter: PlaybackFilter, limit: number, offset: number): { items: PlaybackRecord[]; total: number } {
    const where = whereFor(filter);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM playback p ${where.sql}`).get(where.params) as { n: number }).n;
    const rows = this.db.prepare(`${SELECT} ${where.sql} ${ORDER} LIMIT @limit OFFSET @offset`).all({ ...where.params, limit, offset }) as Row[];
    return { items: rows.map(toRecord), total };
  }

  /**
   * How far a schedule or alert got in each hamlet: when a box there first started it, and the
   * state most recently reported from there.
   */
  progressByHamlet(scheduleId: string): Map<string, HamletProgress> {
    const rows = this.db
      .prepare(
        `SELECT hamlet_code, MIN(actual_start_at) AS first_started_at,
           (SELECT q.state FROM playback q WHERE q.schedule_id = p.schedule_id AND q.hamlet_code = p.hamlet_code
            ORDER BY q.received_at DESC, q.rowid DESC LIMIT 1) AS last_state
         FROM playback p WHERE schedule_id = ? AND hamlet_code IS NOT NULL GROUP BY hamlet_code`,
      )
      .all(scheduleId) as { hamlet_code: string; first_started_at: number | null; last_state: PlaybackState }[];
    return new Map(rows.map((r) => [r.hamlet_code, { firstStartedAt: r.first_started_at, lastState: r.last_state }]));
  }

  /**
   * What the loudspeakers did with an alert (its id is the schedule id of its plays) or a bulletin:
   * how many starts the boxes reported, in how many hamlets, first and last; for "where it went".
   */
  heard(kind: 'alert' | 'bulletin', id: string): { starts: number; hamlets: number; firstStartedAt: number | null; lastStartedAt: number | null } {
    return this.db
      .prepare(
        `SELECT COUNT(actual_start_at) AS starts, COUNT(DISTINCT CASE WHEN actual_start_at IS NOT NULL THEN hamlet_code END) AS hamlets,
           MIN(actual_start_at) AS firstStartedAt, MAX(actual_start_at) AS lastStartedAt
         FROM playback WHERE ${kind === 'alert' ? 'schedule_id' : 'bulletin_id'} = ?`,
      )
      .get(id) as { starts: number; hamlets: number; firstStartedAt: number | null; lastStartedAt: number | null };
  }

  /**
   * Broadcast time per hamlet, source and priority for occurrences planned in [from, to): each
   * occurrence counted once per hamlet (boxes of one hamlet play it together) for the most any of its
   * events says was played (durationMs is the position reached, across interruptions and resumes).
   * The source is read from the occurrence id: `alert:` an alert, `live:` live voice, `relay:` a
   * station relay, anything else a bulletin; test tones are not broadcasts. Priority `unknown`:
   * proof of play from before priorities were stored, of an item whose schedule is gone.
   */
  airtime(from: number, to: number, communeCode?: string): AirtimeRow[] {
    return this.db
      .prepare(
        `SELECT hamlet_code AS hamletCode, source, priority, COUNT(*) AS items, SUM(ms) AS ms FROM (
           SELECT hamlet_code, occurrence_id,
             CASE WHEN substr(occurrence_id, 1, 6) = 'alert:' THEN 'alert' WHEN substr(occurrence_id, 1, 5) = 'live:' THEN 'live'
                  WHEN substr(occurrence_id, 1, 6) = 'relay:' THEN 'relay' ELSE 'bulletin' END AS source,
             COALESCE(MAX(priority), 'unknown') AS priority, MAX(duration_ms) AS ms
           FROM playback
           WHERE planned_start_at >= @from AND planned_start_at < @to AND hamlet_code IS NOT NULL AND schedule_id <> '${TEST_TONE_SCHEDULE_ID}'
             AND state IN ('completed', 'interrupted') AND duration_ms > 0${communeCode === undefined ? '' : ' AND commune_code = @communeCode'}
           GROUP BY hamlet_code, occurrence_id)
         GROUP BY hamlet_code, source, priority ORDER BY hamlet_code, source, priority`,
      )
      .all({ from, to, ...(communeCode === undefined ? {} : { communeCode }) }) as AirtimeRow[];
  }

  /**
   * How far one schedule or alert (a province-wide programme above all) got in each commune: its
   * boxes and hamlets that reported, starts, completions, failures and misses, first and last start.
   * `communeCode`: that commune's line only (a commune's people see their own).
   */
  byCommune(scheduleId: string, communeCode?: string): CommuneProgress[] {
    return this.db
      .prepare(
        `SELECT p.commune_code AS communeCode, c.name AS communeName, COUNT(DISTINCT p.edge_id) AS boxes,
           COUNT(DISTINCT CASE WHEN p.actual_start_at IS NOT NULL THEN p.hamlet_code END) AS hamlets,
           COUNT(p.actual_start_at) AS starts, SUM(p.state = 'completed') AS completed,
           SUM(p.state = 'failed') AS failed, SUM(p.state = 'missed') AS missed,
           MIN(p.actual_start_at) AS firstStartedAt, MAX(p.actual_start_at) AS lastStartedAt
         FROM playback p LEFT JOIN communes c ON c.code = p.commune_code
         WHERE p.schedule_id = @scheduleId${communeCode === undefined ? '' : ' AND p.commune_code = @communeCode'}
         GROUP BY p.commune_code ORDER BY p.commune_code`,
      )
      .all({ scheduleId, ...(communeCode === undefined ? {} : { communeCode }) }) as CommuneProgress[];
  }

  /** Every matching record, newest first, at most `max`. */
  all(filter: PlaybackFilter, max: number): PlaybackRecord[] {
    const where = whereFor(filter);
    return (this.db.prepare(`${SELECT} ${where.sql} ${ORDER} LIMIT @max`).all({ ...where.params, max }) as Row[]).map(toRecord);
  }
}
