import type { NewOutboxMessage, NotificationChannel, OutboxMessage, OutboxWriter, SendOutcome } from '../../channel.js';

/** A stored message and what became of it. */
export interface TestOutboxEntry {
  message: OutboxMessage;
  notBefore: number;
  status: 'queued' | 'sent' | 'failed';
  outcomes: SendOutcome[];
}

/**
 * The outbox contract as the channel sees it (channel.ts), kept in memory for the channel's own
 * tests: one entry per idempotency key, handed to `send` when due, again after a retry outcome (at
 * its retryAfterMs, else a fixed backoff). The real outbox and dispatcher (outbox.ts, issue 14's
 * core) do the same with SQLite, backoff with jitter and limits; these tests are about the
 * channel's decisions and the wire, not about them.
 */
export class TestOutbox implements OutboxWriter {
  readonly entries: TestOutboxEntry[] = [];
  private readonly byKey = new Map<string, TestOutboxEntry>();
  private nextId = 1;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly backoffMs = 1000,
  ) {}

  async enqueue(messages: NewOutboxMessage[]): Promise<number> {
    let added = 0;
    for (const m of messages) {
      if (this.byKey.has(m.idempotencyKey)) continue;
      const { notBefore, data, ...rest } = m;
      const entry: TestOutboxEntry = {
        message: { ...rest, data: data ?? {}, id: this.nextId++, attempts: 0, createdAt: this.now() },
        notBefore: notBefore ?? this.now(),
        status: 'queued',
        outcomes: [],
      };
      this.byKey.set(m.idempotencyKey, entry);
      this.entries.push(entry);
      added++;
    }
    return added;
  }

  async enqueueMany(messages: readonly NewOutboxMessage[]): Promise<number> {
    return this.enqueue([...messages]);
  }

  /** Hands every due queued message to the channel once; returns how many were attempted. */
  async deliverDue(channel: NotificationChannel): Promise<number> {
    const due = this.entries.filter((e) => e.status === 'queued' && e.message.channel === channel.name && e.notBefore <= this.now());
    await Promise.all(
      due.map(async (entry) => {
        const outcome = await channel.send(entry.message);
        entry.outcomes.push(outcome);
        entry.message = { ...entry.message, attempts: entry.message.attempts + 1 };
        if (outcome.ok) entry.status = 'sent';
        else if (!outcome.retry) entry.status = 'failed';
        else entry.notBefore = this.now() + (outcome.retryAfterMs ?? this.backoffMs);
      }),
    );
    return due.length;
  }

  queued(): TestOutboxEntry[] {
    return this.entries.filter((e) => e.status === 'queued');
  }
}
