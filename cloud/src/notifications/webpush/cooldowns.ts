import type { Db } from '../../db/database.js';

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

interface Row {
  window_start: number;
  notified_state: string | null;
  current_state: string | null;
  suppressed: number;
}

/**
 * The per-kind cooldown per person and subject (a box, a camera), kept in the database so a
 * restart does not forget it: a flapping box gives each technician one offline/online pair per
 * window and then a summary ("mất kết nối 7 lần trong 15 phút, hiện vẫn mất kết nối"), not fifty
 * messages. At most three pushes per subject and window: offline, online, summary.
 */
export class Cooldowns {
  constructor(private readonly db: Db) {}

  private row(userId: string, kind: string, subject: string): Row | undefined {
    return this.db.prepare('SELECT * FROM push_cooldowns WHERE user_id = ? AND kind = ? AND subject = ?').get(userId, kind, subject) as Row | undefined;
  }

  private write(userId: string, kind: string, subject: string, row: Row): void {
    this.db
      .prepare(
        `INSERT INTO push_cooldowns (user_id, kind, subject, window_start, notified_state, current_state, suppressed) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(user_id, kind, subject) DO UPDATE SET window_start = excluded.window_start, notified_state = excluded.notified_state,
           current_state = excluded.current_state, suppressed = excluded.suppressed`,
      )
      .run(userId, kind, subject, row.window_start, row.notified_state, row.current_state, row.suppressed);
  }

  /**
   * An offline/online pair: "offline" opens a window and is sent; "back online" is sent only to whom
   * "offline" was sent; a further change inside the window is counted for the summary.
   */
  pair(userId: string, kind: string, subject: string, state: 'offline' | 'online', now: number, windowMs: number): CooldownDecision {
    return this.db.transaction((): CooldownDecision => {
      const row = this.row(userId, kind, subject);
      const open = row !== undefined && now < row.window_start + windowMs;
      if (state === 'offline') {
        if (row?.current_state === 'offline') return { send: false };
        if (!open) {
          this.write(userId, kind, subject, { window_start: now, notified_state: 'offline', current_state: 'offline', suppressed: 0 });
          return { send: true };
        }
        this.write(userId, kind, subject, { ...row!, current_state: 'offline', suppressed: row!.suppressed + 1 });
        return { send: false, summaryAt: row!.window_start + windowMs };
      }
      if (!row || row.current_state === 'online') return { send: false };
      if (row.notified_state === 'offline') {
        // completes the pair, inside the window or after it
        this.write(userId, kind, subject, { ...row, notified_state: 'online', current_state: 'online' });
        return { send: true };
      }
      // it went offline again inside the window (held back) and is back: one more flap for the summary
      this.write(userId, kind, subject, { ...row, current_state: 'online', suppressed: row.suppressed + 1 });
      return open ? { send: false, summaryAt: row.window_start + windowMs } : { send: false };
    })();
  }

  /** One notification per window (new incidents of one camera); the rest counted for the summary. */
  single(userId: string, kind: string, subject: string, now: number, windowMs: number): CooldownDecision {
    if (windowMs <= 0) return { send: true };
    return this.db.transaction((): CooldownDecision => {
      const row = this.row(userId, kind, subject);
      if (!row || now >= row.window_start + windowMs) {
        this.write(userId, kind, subject, { window_start: now, notified_state: null, current_state: null, suppressed: 0 });
        return { send: true };
      }
      this.write(userId, kind, subject, { ...row, suppressed: row.suppressed + 1 });
      return { send: false, summaryAt: row.window_start + windowMs };
    })();
  }

  /**
   * The window's end: what it held back, if anything, and the person is now told where the subject
   * stands (the summary opens a new window, so sustained flapping gives one summary per window).
   */
  close(userId: string, kind: string, subject: string, now: number): CooldownSummary | null {
    return this.db.transaction((): CooldownSummary | null => {
      const row = this.row(userId, kind, subject);
      if (!row || row.suppressed === 0) return null;
      this.write(userId, kind, subject, { window_start: now, notified_state: row.current_state, current_state: row.current_state, suppressed: 0 });
      return { windowStart: row.window_start, suppressed: row.suppressed, currentState: row.current_state, notifiedState: row.notified_state };
    })();
  }
}
