import type { AuditInput } from './audit-log.js';

/** Where the digest writes (AuditLog.record). */
export interface AuditSink {
  record(entry: AuditInput): Promise<unknown>;
}

export interface AuditDigestOptions {
  windowMs: number;
  /** Open windows at most; past it the oldest is closed early (its count written), so memory stays bounded. */
  maxOpen?: number;
  now?: () => number;
}

interface Window {
  firstAt: number;
  lastAt: number;
  count: number;
  last: AuditInput;
  /** The distinct targets seen, the first MAX_TARGETS of them. */
  targets: Set<string | null>;
}

const MAX_TARGETS = 10;

/**
 * Bounds what strangers can write to the append-only audit log: of the entries sharing a key (e.g.
 * address and name of refused logins), the first of a window is written at once, so admins see it
 * without delay; the rest are only counted, and when the window ends one more entry carries the
 * count (`details.count` is the window's total, with `firstAt`, `lastAt` and, when they differ, the
 * first targets). Flooding then costs two rows per key and window instead of one per request.
 */
export class AuditDigest {
  private readonly open = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly maxOpen: number;

  constructor(
    private readonly audit: AuditSink,
    private readonly options: AuditDigestOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.maxOpen = options.maxOpen ?? 10_000;
    this.timer = setInterval(() => void this.closeEnded().catch(() => undefined), Math.min(options.windowMs, 60_000));
    this.timer.unref();
  }

  async note(key: string, entry: AuditInput): Promise<void> {
    const now = this.now();
    const current = this.open.get(key);
    if (current && now - current.firstAt < this.options.windowMs) {
      current.count += 1;
      current.lastAt = now;
      current.last = entry;
      if (current.targets.size < MAX_TARGETS) current.targets.add(entry.target ?? null);
      return;
    }
    if (current) await this.close(key, current);
    await this.audit.record(entry);
    this.open.set(key, { firstAt: now, lastAt: now, count: 1, last: entry, targets: new Set([entry.target ?? null]) });
    if (this.open.size > this.maxOpen) {
      const [oldestKey, oldest] = this.open.entries().next().value as [string, Window];
      await this.close(oldestKey, oldest);
    }
  }

  /** Writes the counts of the windows that have ended (run by a timer; tests may call it). */
  async closeEnded(): Promise<void> {
    const now = this.now();
    // windows are kept in the order they opened, so the ended ones come first
    for (const [key, window] of this.open) {
      if (now - window.firstAt < this.options.windowMs) break;
      await this.close(key, window);
    }
  }

  /** Writes every open window's count; call before the database closes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const [key, window] of this.open) await this.close(key, window);
  }

  private async close(key: string, window: Window): Promise<void> {
    this.open.delete(key);
    if (window.count === 1) return;
    const targets = [...window.targets];
    const single = targets.length === 1;
    await this.audit.record({
      ...window.last,
      target: single ? targets[0] : null,
      details: { ...window.last.details, count: window.count, firstAt: window.firstAt, lastAt: window.lastAt, ...(single ? {} : { targets }) },
    });
  }
}
