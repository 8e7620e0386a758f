import type { PlanItem } from '@smart-commune/shared';
import type { Kysely } from 'kysely';
import type { Database, QueryDatabase } from '../../db/query/index.js';

/** What identifies an occurrence given to a box. */
export type GivenOccurrence = Pick<PlanItem, 'occurrenceId' | 'scheduleId' | 'bulletinId' | 'startAt'>;

/**
 * How long an occurrence given to a box is remembered after its start: a box that was offline
 * reports what it played when it is back, and its proof of play is still accepted for this long.
 */
export const KEEP_OCCURRENCES_MS = 90 * 86_400_000;

/** Rows per INSERT: 5 columns each, well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1000;

/**
 * Every occurrence each box was given in a plan (schedules and alerts alike), with its schedule and
 * bulletin: the record a box's proof of play is checked against (playback-store.ts), so that a box
 * cannot make a bulletin public by claiming to have played it.
 */
export class PlanOccurrences {
  constructor(private readonly q: QueryDatabase) {}

  /** Remembers the items of a plan about to be published to `edgeId`. */
  record(edgeId: string, items: readonly GivenOccurrence[]): Promise<void> {
    return this.recordMany([{ edgeId, items }]);
  }

  /**
   * Remembers the items of many plans about to be published (a province-wide programme: hundreds of
   * boxes), in one transaction of multi-row inserts; an occurrence given before is left as it is.
   * With `writer` (a transaction the caller commits with the plans' new document versions) they are
   * written in it instead of a transaction of their own: both are kept, or neither.
   */
  async recordMany(plans: readonly { edgeId: string; items: readonly GivenOccurrence[] }[], writer?: Kysely<Database>): Promise<void> {
    const rows = plans.flatMap(({ edgeId, items }) =>
      items.map((item) => ({ edge_id: edgeId, occurrence_id: item.occurrenceId, schedule_id: item.scheduleId, bulletin_id: item.bulletinId, start_at: item.startAt })),
    );
    if (rows.length === 0) return;
    const write = async (trx: Kysely<Database>) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        // the key is (edge, occurrence, schedule, bulletin or ''): an expression index, so no conflict target is named
        await trx.insertInto('plan_occurrences').values(rows.slice(i, i + ROWS_PER_INSERT)).onConflict((oc) => oc.doNothing()).execute();
      }
    };
    if (writer) await write(writer);
    else await this.q.db.transaction().execute(write);
  }

  /** Forgets occurrences that started more than KEEP_OCCURRENCES_MS before `now`. */
  async prune(now: number): Promise<number> {
    const result = await this.q.db.deleteFrom('plan_occurrences').where('start_at', '<', now - KEEP_OCCURRENCES_MS).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
