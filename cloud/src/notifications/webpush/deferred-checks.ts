import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../../db/database.js';

/** Runs a due check; what it resolves to is ignored (it enqueues what it must). */
export type CheckHandler = (key: string, payload: Record<string, unknown>) => Promise<void> | void;

/**
 * Checks due later, each by key: "is this box still offline after the delay?", "has every targeted
 * hamlet started the alert?", "a cooldown window ends: summarise". Stored with their due time so a
 * restart re-arms them (an overdue one runs at once) instead of forgetting them; cancelled by key
 * when the answer is known early (the box came back).
 */
export class DeferredChecks {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private handler: CheckHandler | null = null;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Re-arms what was stored before a restart. */
  start(handler: CheckHandler): void {
    this.handler = handler;
    const rows = this.db.prepare('SELECT key, due_at FROM push_checks ORDER BY due_at').all() as { key: string; due_at: number }[];
    for (const row of rows) this.arm(row.key, row.due_at);
  }

  async stop(): Promise<void> {
    this.handler = null;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.running]);
  }

  /** Stores a check unless one with this key is already due (the first offline event sets the delay). Returns whether it was new. */
  schedule(key: string, dueAt: number, payload: Record<string, unknown>): boolean {
    const added = this.db.prepare('INSERT OR IGNORE INTO push_checks (key, due_at, payload) VALUES (?, ?, ?)').run(key, dueAt, JSON.stringify(payload)).changes > 0;
    if (added) this.arm(key, dueAt);
    return added;
  }

  payload(key: string): Record<string, unknown> | null {
    const row = this.db.prepare('SELECT payload FROM push_checks WHERE key = ?').get(key) as { payload: string } | undefined;
    return row ? (JSON.parse(row.payload) as Record<string, unknown>) : null;
  }

  update(key: string, payload: Record<string, unknown>): void {
    this.db.prepare('UPDATE push_checks SET payload = ? WHERE key = ?').run(JSON.stringify(payload), key);
  }

  /** Drops a check not needed any more; returns whether one was pending. */
  cancel(key: string): boolean {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    return this.db.prepare('DELETE FROM push_checks WHERE key = ?').run(key).changes > 0;
  }

  /** Drops every check whose key starts with `prefix` (an alert's checks when it stops). */
  cancelPrefix(prefix: string): void {
    const rows = this.db.prepare("SELECT key FROM push_checks WHERE substr(key, 1, length(?)) = ?").all(prefix, prefix) as { key: string }[];
    for (const { key } of rows) this.cancel(key);
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
    const handler = this.handler;
    const row = this.db.prepare('SELECT due_at, payload FROM push_checks WHERE key = ?').get(key) as { due_at: number; payload: string } | undefined;
    if (!handler || !row) return;
    if (row.due_at > this.now()) return this.arm(key, row.due_at); // a timer capped at ~24.8 days
    this.db.prepare('DELETE FROM push_checks WHERE key = ?').run(key);
    const run = (async () => {
      try {
        await handler(key, JSON.parse(row.payload) as Record<string, unknown>);
      } catch (err) {
        this.logger.error({ err, check: key }, 'a deferred push check failed');
      }
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}
