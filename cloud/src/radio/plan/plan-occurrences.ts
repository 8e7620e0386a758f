import type { PlanItem } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';

/** What identifies an occurrence given to a box. */
export type GivenOccurrence = Pick<PlanItem, 'occurrenceId' | 'scheduleId' | 'bulletinId' | 'startAt'>;

/**
 * How long an occurrence given to a box is remembered after its start: a box that was offline
 * reports what it played when it is back, and its proof of play is still accepted for this long.
 */
export const KEEP_OCCURRENCES_MS = 90 * 86_400_000;

/**
 * Every occurrence each box was given in a plan (schedules and alerts alike), with its schedule and
 * bulletin: the record a box's proof of play is checked against (playback-store.ts), so that a box
 * cannot make a bulletin public by claiming to have played it.
 */
export class PlanOccurrences {
  constructor(private readonly db: Db) {}

  /** Remembers the items of a plan about to be published to `edgeId`. */
  record(edgeId: string, items: readonly GivenOccurrence[]): void {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO plan_occurrences (edge_id, occurrence_id, schedule_id, bulletin_id, start_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const item of items) insert.run(edgeId, item.occurrenceId, item.scheduleId, item.bulletinId, item.startAt);
    })();
  }

  /** Remembers the items of many plans about to be published, in one transaction. */
  recordMany(plans: readonly { edgeId: string; items: readonly GivenOccurrence[] }[]): void {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO plan_occurrences (edge_id, occurrence_id, schedule_id, bulletin_id, start_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const { edgeId, items } of plans) for (const item of items) insert.run(edgeId, item.occurrenceId, item.scheduleId, item.bulletinId, item.startAt);
    })();
  }

  /** Forgets occurrences that started more than KEEP_OCCURRENCES_MS before `now`. */
  prune(now: number): number {
    return this.db.prepare('DELETE FROM plan_occurrences WHERE start_at < ?').run(now - KEEP_OCCURRENCES_MS).changes;
  }
}
