import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../db/query/tables.js';
import type { QueryDatabase } from '../../db/query/index.js';

/** What became of one notification the cooldown was asked about. */
export type CooldownDecision =
  | { send: true }
  /** Nothing to say (a duplicate, or "back online" for an "offline" nobody was told). */
  | { send: false }
  /** Held back: counted for the summary due at `summaryAt` (the window's end). */
  | { send: false; summaryAt: number };

/** What a window that held messages back ends with: how many, and (for a pair) where the subject now stands. */
export interface CooldownSummary {
  windowStart: number;
  suppressed: number;
  /** 'offline' | 'online' for a pair; null for single notifications. */
  currentState: string | null;
  /** The state the person was last told (pair only). */
  notifiedState: string | null;
}

/** The stored row's column, named with its table: inside an upsert PostgreSQL calls a bare name ambiguous. */
const stored = (column: 'window_start' | 'notified_state' | 'current_state' | 'suppressed') => sql.ref(`push_cooldowns.${column}`);

/** Whether the stored row's window is still open at `now` (timestamps are integers: the window is rounded). */
const windowOpen = (now: number, windowMs: number) => sql<SqlBool>`${now} < ${stored('window_start')} + ${Math.round(windowMs)}`;

/** `then` while the stored window is open, else `otherwise`. */
const ifOpen = (open: Expression<SqlBool>, then: Expression<unknown>, otherwise: unknown) => sql<any>`CASE WHEN ${open} THEN ${then} ELSE ${otherwise} END`;

/**
 * The per-kind cooldown per person and subject (a box, a camera), kept in the database so a
 * restart does not forget it: a flapping box gives each technician one offline/online pair per
 * window and then a summary ("mất kết nối 7 lần trong 15 phút, hiện vẫn mất kết nối"), not fifty
 * messages. At most three pushes per subject and window: offline, online, summary.
 *
 * Each decision is one conditional statement (an upsert or UPDATE whose WHERE decides, returning
 * what it wrote), not a read then a write: two cloud processes handling the same event under READ
 * COMMITTED cannot both send, because the second one's statement runs on the first one's row.
 */
export class Cooldowns {
  constructor(private readonly q: QueryDatabase) {}

  /**
   * An offline/online pair: "offline" opens a window and is sent; "back online" is sent only to whom
   * "offline" was sent; a further change inside the window is counted for the summary.
   */
  async pair(userId: string, kind: string, subject: string, state: 'offline' | 'online', now: number, windowMs: number): Promise<CooldownDecision> {
    return state === 'offline' ? this.offline(userId, kind, subject, now, windowMs) : this.online(userId, kind, subject, now, windowMs);
  }

  private async offline(userId: string, kind: string, subject: string, now: number, windowMs: number): Promise<CooldownDecision> {
    const open = windowOpen(now, windowMs);
    // no row, or a closed window: a new window, told (suppressed 0); an open one: one more flap held
    // back (suppressed ≥ 1); already offline: nothing (the WHERE leaves the row and returns none)
    const row = await this.q.db
      .insertInto('push_cooldowns')
      .values({ user_id: userId, kind, subject, window_start: now, notified_state: 'offline', current_state: 'offline', suppressed: 0 })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'kind', 'subject'])
          .doUpdateSet({
            window_start: ifOpen(open, stored('window_start'), now),
            notified_state: ifOpen(open, stored('notified_state'), 'offline'),
            current_state: 'offline',
            suppressed: ifOpen(open, sql`${stored('suppressed')} + 1`, 0),
          })
          .where((eb) => eb.or([eb('push_cooldowns.current_state', 'is', null), eb('push_cooldowns.current_state', '<>', 'offline')])),
      )
      .returning(['window_start', 'suppressed'])
      .executeTakeFirst();
    if (!row) return { send: false };
    return row.suppressed === 0 ? { send: true } : { send: false, summaryAt: row.window_start + windowMs };
  }

  private async online(userId: string, kind: string, subject: string, now: number, windowMs: number): Promise<CooldownDecision> {
    const { db } = this.q;
    const notOnline = (eb: ExpressionBuilder<Database, 'push_cooldowns'>) =>
      eb.or([eb('current_state', 'is', null), eb('current_state', '<>', 'online')]);
    // completes the pair, inside the window or after it: only where "offline" was told
    const completed = await db
      .updateTable('push_cooldowns')
      .set({ notified_state: 'online', current_state: 'online' })
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .where('subject', '=', subject)
      .where('notified_state', '=', 'offline')
      .where(notOnline)
      .returning('window_start')
      .executeTakeFirst();
    if (completed) return { send: true };
    // it went offline again inside the window (held back) and is back: one more flap for the summary
    const flapped = await db
      .updateTable('push_cooldowns')
      .set((eb) => ({ current_state: 'online', suppressed: eb('suppressed', '+', 1) }))
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .where('subject', '=', subject)
      .where(notOnline)
      .returning('window_start')
      .executeTakeFirst();
    if (!flapped) return { send: false }; // nobody was told it went offline, or it is online already
    return now < flapped.window_start + windowMs ? { send: false, summaryAt: flapped.window_start + windowMs } : { send: false };
  }

  /** One notification per window (new incidents of one camera); the rest counted for the summary. */
  async single(userId: string, kind: string, subject: string, now: number, windowMs: number): Promise<CooldownDecision> {
    if (windowMs <= 0) return { send: true };
    const open = windowOpen(now, windowMs);
    const row = await this.q.db
      .insertInto('push_cooldowns')
      .values({ user_id: userId, kind, subject, window_start: now, notified_state: null, current_state: null, suppressed: 0 })
      .onConflict((oc) =>
        oc.columns(['user_id', 'kind', 'subject']).doUpdateSet({
          window_start: ifOpen(open, stored('window_start'), now),
          notified_state: ifOpen(open, stored('notified_state'), null),
          current_state: ifOpen(open, stored('current_state'), null),
          suppressed: ifOpen(open, sql`${stored('suppressed')} + 1`, 0),
        }),
      )
      .returning(['window_start', 'suppressed'])
      .executeTakeFirstOrThrow();
    return row.suppressed === 0 ? { send: true } : { send: false, summaryAt: row.window_start + windowMs };
  }

  /**
   * The window's end: what it held back, if anything, and the person is now told where the subject
   * stands (the summary opens a new window, so sustained flapping gives one summary per window).
   * The close is a compare-and-set on what was read: of two processes closing the same window one
   * gets it (the other finds suppressed reset to 0), and a flap counted in between makes it read again.
   */
  async close(userId: string, kind: string, subject: string, now: number): Promise<CooldownSummary | null> {
    const { db } = this.q;
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await db
        .selectFrom('push_cooldowns')
        .select(['window_start', 'notified_state', 'current_state', 'suppressed'])
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('subject', '=', subject)
        .executeTakeFirst();
      if (!row || row.suppressed === 0) return null;
      const closed = await db
        .updateTable('push_cooldowns')
        .set({ window_start: now, notified_state: row.current_state, suppressed: 0 })
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('subject', '=', subject)
        .where('window_start', '=', row.window_start)
        .where('suppressed', '=', row.suppressed)
        .where((eb) => (row.current_state === null ? eb('current_state', 'is', null) : eb('current_state', '=', row.current_state)))
        .returning('suppressed')
        .executeTakeFirst();
      if (closed) return { windowStart: row.window_start, suppressed: row.suppressed, currentState: row.current_state, notifiedState: row.notified_state };
    }
    return null; // changing faster than it can be read: the next window's summary will carry it
  }
}
