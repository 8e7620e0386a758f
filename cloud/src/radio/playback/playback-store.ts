import { TEST_TONE_SCHEDULE_ID, type playbackStates } from '@smart-commune/shared';
import { sql, type Selectable, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Database, PlaybackTable } from '../../db/query/tables.js';
import { copyEvents } from './playback-copy.js';

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

/** A playback row with its box's and hamlet's names. */
function selectRecords({ db }: QueryDatabase) {
  return db
    .selectFrom('playback as p')
    .innerJoin('edges as e', 'e.id', 'p.edge_id')
    .leftJoin('hamlets as h', 'h.code', 'p.hamlet_code')
    .selectAll('p')
    .select(['e.name as edge_name', 'h.name as hamlet_name']);
}

/** Newest planned start first. */
const ordered = <QB extends SelectQueryBuilder<any, any, any>>(qb: QB): QB =>
  qb.orderBy('p.planned_start_at', 'desc').orderBy('p.received_at', 'desc').orderBy('p.event_id') as QB;

/** The filters that are set, each on its own column (so each can use its index). */
function filtered<QB extends SelectQueryBuilder<Database & { p: PlaybackTable }, 'p' | any, any>>(qb: QB, f: PlaybackFilter): QB {
  let out = qb;
  if (f.edgeId !== undefined) out = out.where('p.edge_id', '=', f.edgeId) as QB;
  if (f.communeCode !== undefined) out = out.where('p.commune_code', '=', f.communeCode) as QB;
  if (f.scheduleId !== undefined) out = out.where('p.schedule_id', '=', f.scheduleId) as QB;
  if (f.hamletCode !== undefined) out = out.where('p.hamlet_code', '=', f.hamletCode) as QB;
  if (f.from !== undefined) out = out.where('p.planned_start_at', '>=', f.from) as QB;
  if (f.to !== undefined) out = out.where('p.planned_start_at', '<', f.to) as QB;
  if (f.state !== undefined) out = out.where('p.state', '=', f.state) as QB;
  return out;
}

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
  constructor(private readonly q: QueryDatabase) {}

  /** Stores one playback event already recorded by the fleet, unless stored before or of an occurrence the box was not given. */
  async store(edgeId: string, eventId: string): Promise<'stored' | 'duplicate' | 'not_given'> {
    // found by its primary key (a condition that could also be true for all would make SQLite scan them all)
    const copied = await copyEvents(this.q, (eb) => eb.and([eb('ev.edge_id', '=', edgeId), eb('ev.event_id', '=', eventId)]));
    if (copied.length === 1) return 'stored';
    const stored = await this.q.db.selectFrom('playback').select('event_id').where('event_id', '=', eventId).executeTakeFirst();
    return stored ? 'duplicate' : 'not_given';
  }

  /**
   * The alert a stored event shows starting in its box's hamlet for the first time (no other stored
   * event of that alert from that hamlet has a start), or null: not an alert, no start, no hamlet,
   * or the hamlet had heard it already.
   */
  async alertDelivery(eventId: string): Promise<{ alertId: string; hamletCode: string; edgeId: string; startedAt: number } | null> {
    const row = await this.q.db
      .selectFrom('playback as p')
      .innerJoin('alerts as a', 'a.id', 'p.schedule_id')
      .select(['p.schedule_id as alertId', 'p.hamlet_code as hamletCode', 'p.edge_id as edgeId', 'p.actual_start_at as startedAt'])
      .where('p.event_id', '=', eventId)
      .where('p.actual_start_at', 'is not', null)
      .where('p.hamlet_code', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('playback as q')
              .select(sql.lit(1).as('one'))
              .whereRef('q.schedule_id', '=', 'p.schedule_id')
              .whereRef('q.hamlet_code', '=', 'p.hamlet_code')
              .where('q.actual_start_at', 'is not', null)
              .whereRef('q.event_id', '<>', 'p.event_id'),
          ),
        ),
      )
      .executeTakeFirst();
    return row ? { alertId: row.alertId, hamletCode: row.hamletCode!, edgeId: row.edgeId, startedAt: row.startedAt! } : null;
  }

  /**
   * Stores every playback event not stored yet (those that arrived while the radio was not
   * listening); `leftOut` counts those of occurrences their box was not given, refused again.
   */
  async catchUp(): Promise<{ stored: number; leftOut: number }> {
    const stored = (await copyEvents(this.q, () => sql<SqlBool>`1 = 1`)).length;
    const left = await this.q.db
      .selectFrom('edge_events as ev')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ev.kind', '=', 'playback')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('playback as p').select(sql.lit(1).as('one')).whereRef('p.event_id', '=', 'ev.event_id'))))
      .executeTakeFirstOrThrow();
    return { stored, leftOut: Number(left.n) };
  }

  /** Newest planned start first. */
  async page(filter: PlaybackFilter, limit: number, offset: number): Promise<{ items: PlaybackRecord[]; total: number }> {
    const [count, rows] = await Promise.all([
      filtered(this.q.db.selectFrom('playback as p'), filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ordered(filtered(selectRecords(this.q), filter)).limit(limit).offset(offset).execute(),
    ]);
    return { items: rows.map((r) => toRecord(r as Row)), total: Number(count.n) };
  }

  /**
   * How far a schedule or alert got in each hamlet: when a box there first started it, and the
   * state most recently reported from there (of two received in the same millisecond, the later step of a
   * play's life: started, interrupted, resumed, then its end; then the greater event id).
   */
  async progressByHamlet(scheduleId: string): Promise<Map<string, HamletProgress>> {
    const rows = await this.q.db
      .selectFrom('playback as p')
      .select((eb) => [
        'p.hamlet_code',
        eb.fn.min('p.actual_start_at').as('first_started_at'),
        eb
          .selectFrom('playback as q')
          .select('q.state')
          .whereRef('q.schedule_id', '=', 'p.schedule_id')
          .whereRef('q.hamlet_code', '=', 'p.hamlet_code')
          .orderBy('q.received_at', 'desc')
          // reports received in the same millisecond: the later step of a play's life is the last one
          .orderBy(sql`CASE q.state WHEN 'started' THEN 0 WHEN 'interrupted' THEN 1 WHEN 'resumed' THEN 2 ELSE 3 END`, 'desc')
          .orderBy('q.event_id', 'desc')
          .limit(1)
          .as('last_state'),
      ])
      .where('p.schedule_id', '=', scheduleId)
      .where('p.hamlet_code', 'is not', null)
      .groupBy(['p.hamlet_code', 'p.schedule_id'])
      .execute();
    return new Map(rows.map((r) => [r.hamlet_code!, { firstStartedAt: r.first_started_at, lastState: r.last_state as PlaybackState }]));
  }

  /**
   * What the loudspeakers did with an alert (its id is the schedule id of its plays) or a bulletin:
   * how many starts the boxes reported, in how many hamlets, first and last; for "where it went".
   */
  async heard(kind: 'alert' | 'bulletin', id: string): Promise<{ starts: number; hamlets: number; firstStartedAt: number | null; lastStartedAt: number | null }> {
    const row = await this.q.db
      .selectFrom('playback')
      .select((eb) => [
        eb.fn.count<number>('actual_start_at').as('starts'),
        sql<number>`COUNT(DISTINCT CASE WHEN actual_start_at IS NOT NULL THEN hamlet_code END)`.as('hamlets'),
        eb.fn.min('actual_start_at').as('firstStartedAt'),
        eb.fn.max('actual_start_at').as('lastStartedAt'),
      ])
      .where(kind === 'alert' ? 'schedule_id' : 'bulletin_id', '=', id)
      .executeTakeFirstOrThrow();
    return { starts: Number(row.starts), hamlets: Number(row.hamlets), firstStartedAt: row.firstStartedAt, lastStartedAt: row.lastStartedAt };
  }

  /**
   * Broadcast time per hamlet, source and priority for occurrences planned in [from, to): each
   * occurrence counted once per hamlet (boxes of one hamlet play it together) for the most any of its
   * events says was played (durationMs is the position reached, across interruptions and resumes).
   * The source is read from the occurrence id: `alert:` an alert, `live:` live voice, `relay:` a
   * station relay, anything else a bulletin; test tones are not broadcasts. Priority `unknown`:
   * proof of play from before priorities were stored, of an item whose schedule is gone.
   */
  async airtime(from: number, to: number, communeCode?: string): Promise<AirtimeRow[]> {
    let plays = this.q.db
      .selectFrom('playback')
      .select((eb) => [
        'hamlet_code',
        'occurrence_id',
        sql<BroadcastSource>`CASE WHEN substr(occurrence_id, 1, 6) = 'alert:' THEN 'alert' WHEN substr(occurrence_id, 1, 5) = 'live:' THEN 'live'
          WHEN substr(occurrence_id, 1, 6) = 'relay:' THEN 'relay' ELSE 'bulletin' END`.as('source'),
        eb.fn.coalesce(eb.fn.max('priority'), sql.lit('unknown')).as('priority'),
        eb.fn.max('duration_ms').as('ms'),
      ])
      .where('planned_start_at', '>=', from)
      .where('planned_start_at', '<', to)
      .where('hamlet_code', 'is not', null)
      .where('schedule_id', '<>', TEST_TONE_SCHEDULE_ID)
      .where('state', 'in', ['completed', 'interrupted'])
      .where('duration_ms', '>', 0);
    if (communeCode !== undefined) plays = plays.where('commune_code', '=', communeCode);
    const rows = await this.q.db
      .selectFrom(plays.groupBy(['hamlet_code', 'occurrence_id']).as('t'))
      .select((eb) => ['t.hamlet_code', 't.source', 't.priority', eb.fn.countAll<number>().as('items'), eb.fn.sum<number>('t.ms').as('ms')])
      .groupBy(['t.hamlet_code', 't.source', 't.priority'])
      .orderBy('t.hamlet_code')
      .orderBy('t.source')
      .orderBy('t.priority')
      .execute();
    // PostgreSQL's SUM of bigint is numeric, which arrives as text
    return rows.map((r) => ({ hamletCode: r.hamlet_code!, source: r.source, priority: r.priority as AirtimeRow['priority'], items: Number(r.items), ms: Number(r.ms) }));
  }

  /**
   * How far one schedule or alert (a province-wide programme above all) got in each commune: its
   * boxes and hamlets that reported, starts, completions, failures and misses, first and last start.
   * `communeCode`: that commune's line only (a commune's people see their own).
   */
  async byCommune(scheduleId: string, communeCode?: string): Promise<CommuneProgress[]> {
    const countOf = (state: PlaybackState) => sql<number>`SUM(CASE WHEN p.state = ${state} THEN 1 ELSE 0 END)`;
    let query = this.q.db
      .selectFrom('playback as p')
      .leftJoin('communes as c', 'c.code', 'p.commune_code')
      .select((eb) => [
        'p.commune_code as communeCode',
        'c.name as communeName',
        sql<number>`COUNT(DISTINCT p.edge_id)`.as('boxes'),
        sql<number>`COUNT(DISTINCT CASE WHEN p.actual_start_at IS NOT NULL THEN p.hamlet_code END)`.as('hamlets'),
        eb.fn.count<number>('p.actual_start_at').as('starts'),
        countOf('completed').as('completed'),
        countOf('failed').as('failed'),
        countOf('missed').as('missed'),
        eb.fn.min('p.actual_start_at').as('firstStartedAt'),
        eb.fn.max('p.actual_start_at').as('lastStartedAt'),
      ])
      .where('p.schedule_id', '=', scheduleId);
    if (communeCode !== undefined) query = query.where('p.commune_code', '=', communeCode);
    const rows = await query.groupBy(['p.commune_code', 'c.name']).orderBy('p.commune_code').execute();
    return rows.map((r) => ({
      ...r,
      boxes: Number(r.boxes),
      hamlets: Number(r.hamlets),
      starts: Number(r.starts),
      completed: Number(r.completed),
      failed: Number(r.failed),
      missed: Number(r.missed),
    }));
  }

  /** Every matching record, newest first, at most `max`. */
  async all(filter: PlaybackFilter, max: number): Promise<PlaybackRecord[]> {
    const rows = await ordered(filtered(selectRecords(this.q), filter)).limit(max).execute();
    return rows.map((r) => toRecord(r as Row));
  }
}
