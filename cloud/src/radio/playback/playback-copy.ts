/*
 * How proof of play gets into its table: each playback event the fleet stored once (edge_events)
 * is copied with its box's hamlet and commune and the item's title and priority at that moment,
 * only for occurrences the box was given. One statement for SQLite and PostgreSQL.
 */
import { TEST_TONE_SCHEDULE_ID } from '@smart-commune/shared';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { jsonArrayTexts, jsonNumber, jsonText, type DialectName, type QueryDatabase } from '../../db/query/index.js';
import type { Database, EdgeEventsTable, EdgesTable } from '../../db/query/tables.js';

export type Eb = ExpressionBuilder<Database & { ev: EdgeEventsTable; ed: EdgesTable }, 'ev' | 'ed'>;

/** A member of the stored event's JSON body (edge_events.body), as text or as a number. */
const text = (d: DialectName, key: string) => jsonText(d, sql.ref('ev.body'), [key]);
const num = (d: DialectName, key: string) => jsonNumber(d, sql.ref('ev.body'), [key]);

/**
 * Whether the box was given the event's occurrence in a plan, with that schedule and that bulletin
 * (or none: an alert the box took from the broadcast carries no bulletin id). Proof of play of
 * anything else is refused: it would publish whatever bulletin the box names. A test tone, played
 * on a technician's request and naming no bulletin, is one thing a box plays outside its plan; a live
 * session (scheduleId = its id, `live:` or `relay:` + its id, no bulletin) that targets the box is the other.
 */
const given = (d: DialectName, eb: Eb) =>
  eb.or([
    eb.exists(
      eb
        .selectFrom('plan_occurrences as o')
        .select(sql.lit(1).as('one'))
        .whereRef('o.edge_id', '=', 'ev.edge_id')
        .where(sql<boolean>`o.occurrence_id = ${text(d, 'occurrenceId')}`)
        .where(sql<boolean>`o.schedule_id = ${text(d, 'scheduleId')}`)
        .where(sql<boolean>`(${text(d, 'bulletinId')} IS NULL OR o.bulletin_id = ${text(d, 'bulletinId')})`),
    ),
    sql<boolean>`(${text(d, 'scheduleId')} = ${TEST_TONE_SCHEDULE_ID} AND ${text(d, 'bulletinId')} IS NULL AND ${text(d, 'occurrenceId')} LIKE ${`${TEST_TONE_SCHEDULE_ID}:%`})`,
    eb.exists(
      eb
        .selectFrom('live_sessions as l')
        .select(sql.lit(1).as('one'))
        .where(sql<boolean>`l.id = ${text(d, 'scheduleId')}`)
        .where(sql<boolean>`${text(d, 'bulletinId')} IS NULL`)
        .where(sql<boolean>`${text(d, 'occurrenceId')} = (CASE l.source WHEN 'voice' THEN 'live:' ELSE 'relay:' END) || l.id`)
        .where(({ exists, selectFrom }) => exists(selectFrom(jsonArrayTexts(d, sql.ref('l.edges')).as('j')).select(sql.lit(1).as('one')).whereRef('j.value', '=', 'ev.edge_id'))),
    ),
  ]);

/**
 * Copies playback events from `edge_events` (where the fleet stores each eventId once) into the
 * playback table, with the box's hamlet and the item's title at that moment, so the log survives
 * the schedule being deleted or the box being moved. Only events of occurrences the box was given;
 * one already copied is left (ON CONFLICT DO NOTHING: two processes copying one event store it once).
 * `which`: the events to copy. Returns the ids copied.
 */
export async function copyEvents({ db, dialect: d }: QueryDatabase, which: (eb: Eb) => Expression<SqlBool>): Promise<string[]> {
  const title = (table: 'schedules' | 'alerts' | 'live_sessions') => sql<string | null>`(SELECT t.title FROM ${sql.table(table)} t WHERE t.id = ${text(d, 'scheduleId')})`;
  const priority = (table: 'schedules' | 'alerts' | 'live_sessions') => sql<string | null>`(SELECT t.priority FROM ${sql.table(table)} t WHERE t.id = ${text(d, 'scheduleId')})`;
  const rows = await db
    .insertInto('playback')
    .columns([
      'event_id', 'edge_id', 'occurrence_id', 'schedule_id', 'bulletin_id', 'state', 'planned_start_at', 'actual_start_at',
      'duration_ms', 'reason', 'zones', 'received_at', 'hamlet_code', 'commune_code', 'title', 'priority',
    ])
    .expression(
      db
        .selectFrom('edge_events as ev')
        .innerJoin('edges as ed', 'ed.id', 'ev.edge_id')
        .select((eb) => [
          'ev.event_id',
          'ev.edge_id',
          text(d, 'occurrenceId').as('occurrence_id'),
          text(d, 'scheduleId').as('schedule_id'),
          text(d, 'bulletinId').as('bulletin_id'),
          text(d, 'state').as('state'),
          num(d, 'plannedStartAt').as('planned_start_at'),
          num(d, 'actualStartAt').as('actual_start_at'),
          num(d, 'durationMs').as('duration_ms'),
          text(d, 'reason').as('reason'),
          text(d, 'zones').as('zones'),
          'ev.received_at',
          'ed.hamlet_code',
          eb.selectFrom('hamlets as h').select('h.commune_code').whereRef('h.code', '=', 'ed.hamlet_code').as('commune_code'),
          sql<string>`COALESCE(${title('schedules')}, ${title('alerts')}, ${title('live_sessions')},
            (SELECT b.title FROM bulletins b WHERE b.id = ${text(d, 'bulletinId')}), '')`.as('title'),
          // boxes before issue 13 do not say the priority: the schedule's or the alert's is what they were given
          sql<string | null>`COALESCE(${text(d, 'priority')}, ${priority('schedules')}, ${priority('alerts')}, ${priority('live_sessions')})`.as('priority'),
        ])
        .where('ev.kind', '=', 'playback')
        .where(which)
        .where((eb) => given(d, eb))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('playback as p').select(sql.lit(1).as('one')).whereRef('p.event_id', '=', 'ev.event_id')))),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('event_id')
    .execute();
  return rows.map((r) => r.event_id);
}
