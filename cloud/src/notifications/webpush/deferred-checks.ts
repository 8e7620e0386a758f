import { sql } from 'kysely';
import type { Logger } from '@smart-commune/shared/runtime';
import type { QueryDatabase } from '../../db/query/index.js';

/** Runs a due check; what it resolves to is ignored (it enqueues what it must). */
export type CheckHandler = (key: string, payload: Record<string, unknown>) => Promise<void> | void;

/**
 * Checks due later, each by key: "is this box still offline after the delay?", "has every targeted
 * hamlet started the alert?", "a cooldown window ends: summarise". Stored with their due time so a
 * restart re-arms them (an overdue one runs at once) instead of forgetting them; cancelled by key
 * when the answer is known early (the box came back).
 *
 * With several cloud processes each arms its own timer for a stored check; the one whose DELETE …
 * RETURNING takes the row runs it, the others find it gone.
 */
export class DeferredChecks {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private handler: CheckHandler | null = null;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly q: QueryDatabase,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Re-arms what was stored before a restart. */
  async start(handler: CheckHandler): Promise<void> {
    this.handler = handler;
    const rows = await this.q.db.selectFrom('push_checks').select(['key', 'due_at']).orderBy('due_at').execute();
    for (const row of rows) this.arm(row.key, row.due_at);
  }

  async stop(): Promise<void> {
    this.handler = null;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.running]);
  }

  /** Stores a check unless one with this key is already due (the first offline event sets the delay). Returns whether it was new. */
  async schedule(key: string, dueAt: number, payload: Record<string, unknown>): Promise<boolean> {
    const added = await this.q.db
      .insertInto('push_checks')
      .values({ key, due_at: Math.round(dueAt), payload: JSON.stringify(payload) })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (added) this.arm(key, dueAt);
    return added !== undefined;
  }

  async payload(key: string): Promise<Record<string, unknown> | null> {
    const row = await this.q.db.selectFrom('push_checks').select('payload').where('key', '=', key).executeTakeFirst();
    return row ? (JSON.parse(row.payload) as Record<string, unknown>) : null;
  }

  /** Replaces a pending check's payload only if it is still `expected` (as read): returns whether it was. */
  async update(key: string, expected: Record<string, unknown>, payload: Record<string, unknown>): Promise<boolean> {
    const changed = await this.q.db
      .updateTable('push_checks')
      .set({ payload: JSON.stringify(payload) })
      .where('key', '=', key)
      .where('payload', '=', JSON.stringify(expected))
      .returning('key')
      .executeTakeFirst();
    return changed !== undefined;
  }

  /** Drops a check not needed any more; returns whether one was pending. */
  async cancel(key: string): Promise<boolean> {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const gone = await this.q.db.deleteFrom('push_checks').where('key', '=', key).returning('key').executeTakeFirst();
    return gone !== undefined;
  }

  /** Drops a check only if its payload is still `expected` (as read): returns whether it was. */
  async cancelIf(key: string, expected: Record<string, unknown>): Promise<boolean> {
    const gone = await this.q.db.deleteFrom('push_checks').where('key', '=', key).where('payload', '=', JSON.stringify(expected)).returning('key').executeTakeFirst();
    if (gone) {
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
    }
    return gone !== undefined;
  }

  /** The keys of the pending checks that start with `prefix` (an alert's checks). */
  async keys(prefix: string): Promise<string[]> {
    // substr/length count characters alike on both databases; the cast names the parameter's type for PostgreSQL
    const rows = await this.q.db
      .selectFrom('push_checks')
      .select('key')
      .where(sql<boolean>`substr(${sql.ref('key')}, 1, length(cast(${prefix} as text))) = ${prefix}`)
      .execute();
    return rows.map((r) => r.key);
  }

  /** Drops every check whose key starts with `prefix` (an alert's checks when it stops). */
  async cancelPrefix(prefix: string): Promise<void> {
    for (const key of await this.keys(prefix)) await this.cancel(key);
  }

  private arm(key: string, dueAt: number): void {
    if (!this.handler) return; // start() arms everything stored
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => this.fire(key), Math.max(0, Math.min(dueAt - this.now(), 2 ** 31 - 1)));
    timer.unref();
    this.timers.set(key, timer);
  }

  private fire(key: string): void {
    this.timers.delete(key);
    const run = (async () => {
      try {
        const handler = this.handler;
        if (!handler) return;
        // taking the check is its DELETE: of two processes whose timers fire, one gets the row
        const taken = await this.q.db.deleteFrom('push_checks').where('key', '=', key).where('due_at', '<=', this.now()).returning('payload').executeTakeFirst();
        if (!taken) {
          // not due yet (a timer capped at ~24.8 days, or moved): armed again; gone: cancelled or taken elsewhere
          const later = await this.q.db.selectFrom('push_checks').select('due_at').where('key', '=', key).executeTakeFirst();
          if (later) this.arm(key, later.due_at);
          return;
        }
        await handler(key, JSON.parse(taken.payload) as Record<string, unknown>);
      } catch (err) {
        this.logger.error({ err, check: key }, 'a deferred push check failed');
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}
