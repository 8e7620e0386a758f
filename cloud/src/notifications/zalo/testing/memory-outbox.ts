import type { NewOutboxMessage, NotificationChannel, OutboxMessage, OutboxWriter, SendOutcome } from '../../channel.js';

/** A stored message and what became of it. */
export interface MemoryOutboxRow extends OutboxMessage {
  state: 'pending' | 'delivered' | 'given_up';
  lastReason: string | null;
  notBefore: number;
  outcomes: SendOutcome[];
}

/**
 * A small in-memory outbox with the contract of channel.ts (one row per idempotency key, retries
 * with backoff or at retryAfterMs, a channel's concurrency) so the Zalo channel's tests can run
 * before the real outbox (outbox.ts, dispatcher.ts) lands; it is not used outside tests.
 */
export class MemoryOutbox implements OutboxWriter {
  readonly rows = new Map<string, MemoryOutboxRow>();
  private nextId = 1;

  constructor(private readonly backoffMs = 50) {}

  enqueue(messages: NewOutboxMessage[]): number {
    let added = 0;
    for (const m of messages) {
      if (this.rows.has(m.idempotencyKey)) continue;
      this.rows.set(m.idempotencyKey, {
        id: this.nextId++,
        channel: m.channel,
        idempotencyKey: m.idempotencyKey,
        recipient: m.recipient,
        subject: m.subject,
        event: m.event,
        content: m.content,
        data: m.data ?? {},
        attempts: 0,
        createdAt: Date.now(),
        state: 'pending',
        lastReason: null,
        notBefore: m.notBefore ?? 0,
        outcomes: [],
      });
      added++;
    }
    return added;
  }

  pending(): MemoryOutboxRow[] {
    return [...this.rows.values()].filter((r) => r.state === 'pending');
  }

  /** Sends what is due through the channel until nothing is pending or `timeoutMs` passed. */
  async drain(channel: NotificationChannel, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const inFlight = new Set<string>();
    while (Date.now() < deadline) {
      const due = this.pending().filter((r) => !inFlight.has(r.idempotencyKey) && r.notBefore <= Date.now());
      if (this.pending().length === 0) return;
      const room = channel.concurrency - inFlight.size;
      for (const row of due.slice(0, Math.max(0, room))) {
        inFlight.add(row.idempotencyKey);
        void this.attempt(channel, row).finally(() => inFlight.delete(row.idempotencyKey));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async attempt(channel: NotificationChannel, row: MemoryOutboxRow): Promise<void> {
    const outcome = await channel.send({ ...row }).catch((err: unknown): SendOutcome => ({ ok: false, retry: true, reason: (err as Error).message }));
    row.attempts++;
    row.outcomes.push(outcome);
    if (outcome.ok) {
      row.state = 'delivered';
      return;
    }
    row.lastReason = outcome.reason;
    if (!outcome.retry) {
      row.state = 'given_up';
      return;
    }
    row.notBefore = Date.now() + (outcome.retryAfterMs ?? this.backoffMs * 2 ** Math.min(row.attempts - 1, 5));
  }
}
