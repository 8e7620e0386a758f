import { ObjectCommunesSync } from '../communes/object-commune.js';
import type { Db } from '../db/database.js';
import { OUTBOX_CHUNK, type NewOutboxMessage, type NotificationContent, type OutboxMessage, type OutboxWriter } from './channel.js';
import type { Selectable } from 'kysely';
import type { NotificationOutboxTable } from '../db/query/tables.js';

/*
 * The outbox: every message a channel wants delivered, one row per idempotency key, and every
 * delivery attempt made for it. The dispatcher (dispatcher.ts) claims due rows, hands them to their
 * channel and writes back what came of it; admins read the rows and their attempts. All SQL of the
 * notifications lives here.
 */

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** sent; retry: failed, tried again later; failed: given up; interrupted: the cloud stopped (or crashed) during the send. */
export type AttemptOutcome = 'sent' | 'retry' | 'failed' | 'interrupted';

export interface DeliveryAttempt {
  at: number;
  outcome: AttemptOutcome;
  reason: string | null;
  durationMs: number;
}

/** A message as admins see it: the stored message without the channel's extras, and how its delivery went. */
export interface Delivery extends Omit<OutboxMessage, 'data'> {
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  lastError: string | null;
  sentAt: number | null;
  providerId: string | null;
  history: DeliveryAttempt[];
  /** The commune whose message it is (its subject's, or what its channel said); null: the province's own. */
  communeCode: string | null;
}

export interface DeliveryFilter {
  /** Only this commune's messages (a commune's admin is held to theirs). */
  communeCode?: string;
  channel?: string;
  status?: DeliveryStatus;
  subject?: string;
  /** Created at or after (epoch ms). */
  since?: number;
}

/** "Where it went" for one subject and channel. */
export interface ChannelReach {
  channel: string;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  firstSentAt: number | null;
  lastSentAt: number | null;
}

export interface BacklogCount {
  channel: string;
  status: 'queued' | 'sending';
  count: number;
}

type Row = Omit<Selectable<NotificationOutboxTable>, 'status'> & { status: DeliveryStatus };

const toMessage = (row: Row): OutboxMessage => ({
  id: row.id,
  channel: row.channel,
  idempotencyKey: row.idempotency_key,
  recipient: row.recipient,
  subject: row.subject,
  event: row.event,
  content: JSON.parse(row.content) as NotificationContent,
  data: JSON.parse(row.data) as Record<string, unknown>,
  attempts: row.attempts,
  createdAt: row.created_at,
});

/** An admin reads at most this many attempts per message (a message retried for a day has ~12). */
const MAX_HISTORY = 50;

export class OutboxStore {
  private readonly insert;
  private readonly selectDue;
  private readonly claim;
  private readonly addAttempt;
  private readonly markSent;
  private readonly markRetry;
  private readonly markFailed;
  private readonly earliestDue;
  private readonly communes: ObjectCommunesSync;

  constructor(
    private readonly db: Db,
    /** The clock of created_at and of "due"; injectable for tests. */
    private readonly now: () => number = Date.now,
  ) {
    this.communes = new ObjectCommunesSync(db);
    this.insert = db.prepare(
      `INSERT INTO notification_outbox (channel, idempotency_key, recipient, subject, event, content, data, status, attempts, next_attempt_at, created_at, commune_code)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
    );
    this.selectDue = db.prepare(
      `SELECT * FROM notification_outbox WHERE status = 'queued' AND channel = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
    );
    this.claim = db.prepare(`UPDATE notification_outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'queued'`);
    this.addAttempt = db.prepare(`INSERT INTO notification_attempts (message_id, at, outcome, reason, duration_ms) VALUES (?, ?, ?, ?, ?)`);
    // prepared once: the dispatcher runs these for every message of a 100,000-follower fan-out
    this.markSent = db.prepare(`UPDATE notification_outbox SET status = 'sent', sent_at = ?, provider_id = ?, last_error = NULL WHERE id = ?`);
    this.markRetry = db.prepare(`UPDATE notification_outbox SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?`);
    this.markFailed = db.prepare(`UPDATE notification_outbox SET status = 'failed', last_error = ? WHERE id = ?`);
    this.earliestDue = db.prepare(`SELECT MIN(next_attempt_at) FROM notification_outbox WHERE status = 'queued' AND channel = ?`).pluck();
  }

  /**
   * Stores the messages whose idempotency key is new, in one transaction with one prepared
   * statement (a Zalo fan-out is 100,000 rows); returns how many were new. Validation is the
   * channel's: these come from code, not from outside.
   */
  enqueue(messages: readonly NewOutboxMessage[]): number {
    const at = this.now();
    let added = 0;
    // a fan-out is thousands of messages about one subject: its commune is looked up once
    const communeOf = new Map<string, string | null>();
    const commune = (m: NewOutboxMessage) => {
      if (m.communeCode !== undefined) return m.communeCode;
      if (!communeOf.has(m.subject)) communeOf.set(m.subject, this.communes.of(m.subject));
      return communeOf.get(m.subject)!;
    };
    this.db.transaction(() => {
      for (const m of messages) {
        const result = this.insert.run(
          m.channel,
          m.idempotencyKey,
          m.recipient,
          m.subject,
          m.event,
          JSON.stringify(m.content),
          JSON.stringify(m.data ?? {}),
          Math.max(m.notBefore ?? at, 0),
          at,
          commune(m),
        );
        added += result.changes;
      }
    })();
    return added;
  }

  /**
   * Marks up to `limit` due messages of the channel as being sent and returns them (with the
   * attempts made before this one). The attempt counts from here, so a message that crashes the
   * cloud every time it is sent still reaches the limit and is given up.
   */
  claimDue(channel: string, limit: number): OutboxMessage[] {
    if (limit <= 0) return [];
    return this.db.transaction(() => {
      const rows = this.selectDue.all(channel, this.now(), limit) as Row[];
      return rows.filter((row) => this.claim.run(row.id).changes === 1).map(toMessage);
    })();
  }

  /** When the channel's next queued message is due (epoch ms), or null if none is queued. */
  nextDueAt(channel: string): number | null {
    return this.earliestDue.get(channel) as number | null;
  }

  recordSent(id: number, durationMs: number, providerId: string | undefined): void {
    const at = this.now();
    this.db.transaction(() => {
      this.markSent.run(at, providerId ?? null, id);
      this.addAttempt.run(id, at, 'sent', null, Math.round(durationMs));
    })();
  }

  recordRetry(id: number, durationMs: number, reason: string, nextAttemptAt: number): void {
    const at = this.now();
    this.db.transaction(() => {
      this.markRetry.run(nextAttemptAt, reason, id);
      this.addAttempt.run(id, at, 'retry', reason, Math.round(durationMs));
    })();
  }

  recordFailed(id: number, durationMs: number, reason: string): void {
    const at = this.now();
    this.db.transaction(() => {
      this.markFailed.run(reason, id);
      this.addAttempt.run(id, at, 'failed', reason, Math.round(durationMs));
    })();
  }

  /**
   * Puts back in the queue, due now, the messages a previous run left being sent (it stopped or
   * crashed during the send): the channel may or may not have delivered them, so they are sent
   * again and the channel's idempotency key keeps the provider from delivering twice where it can.
   * Only one dispatcher runs per database, so at its start every 'sending' row is such a one.
   */
  recoverInterrupted(): number {
    const at = this.now();
    return this.db.transaction(() => {
      const ids = this.db.prepare(`SELECT id FROM notification_outbox WHERE status = 'sending'`).pluck().all() as number[];
      const reason = 'the cloud stopped during the send; sent again';
      for (const id of ids) {
        this.markRetry.run(at, reason, id);
        this.addAttempt.run(id, at, 'interrupted', reason, 0);
      }
      return ids.length;
    })();
  }

  /** Messages waiting or being sent, per channel (the backlog gauge). Reads the status index only. */
  backlog(): BacklogCount[] {
    return this.db
      .prepare(`SELECT channel, status, COUNT(*) AS count FROM notification_outbox WHERE status IN ('queued','sending') GROUP BY channel, status`)
      .all() as BacklogCount[];
  }

  get(id: number): Delivery | null {
    const row = this.db.prepare(`SELECT * FROM notification_outbox WHERE id = ?`).get(id) as Row | undefined;
    return row ? this.toDelivery(row) : null;
  }

  /** Newest first, with each message's attempts. */
  page(filter: DeliveryFilter, limit: number, offset: number): { items: Delivery[]; total: number } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.communeCode !== undefined) where.push('commune_code = ?'), params.push(filter.communeCode);
    if (filter.channel !== undefined) where.push('channel = ?'), params.push(filter.channel);
    if (filter.status !== undefined) where.push('status = ?'), params.push(filter.status);
    if (filter.subject !== undefined) where.push('subject = ?'), params.push(filter.subject);
    if (filter.since !== undefined) where.push('created_at >= ?'), params.push(filter.since);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM notification_outbox ${clause}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM notification_outbox ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as Row[];
    return { items: rows.map((row) => this.toDelivery(row)), total };
  }

  /**
   * An admin's "try again now" for a message given up: queued and due at once, its attempts kept
   * (so one more failure gives it up again, with the new reason).
   */
  retryNow(id: number): 'queued' | 'not_found' | 'not_failed' {
    const row = this.db.prepare(`SELECT status FROM notification_outbox WHERE id = ?`).get(id) as { status: DeliveryStatus } | undefined;
    if (!row) return 'not_found';
    if (row.status !== 'failed') return 'not_failed';
    this.db.prepare(`UPDATE notification_outbox SET status = 'queued', next_attempt_at = ? WHERE id = ? AND status = 'failed'`).run(this.now(), id);
    return 'queued';
  }

  /**
   * Makes every queued message of the channel due now: its provider became usable again (the Zalo
   * OA reconnected), so what waited need not wait for its next backoff. How many.
   */
  dueNow(channel: string): number {
    return this.db.prepare(`UPDATE notification_outbox SET next_attempt_at = ? WHERE channel = ? AND status = 'queued' AND next_attempt_at > ?`).run(this.now(), channel, this.now()).changes;
  }

  /**
   * Per channel: how many of the subject's messages wait, are being sent, were sent or given up, and
   * when the first and last went; `communeCode`: only that commune's messages (a province alert's
   * reach in one commune).
   */
  reach(subject: string, communeCode?: string): ChannelReach[] {
    return this.db
      .prepare(
        `SELECT channel,
                SUM(status = 'queued') AS queued, SUM(status = 'sending') AS sending,
                SUM(status = 'sent') AS sent, SUM(status = 'failed') AS failed,
                MIN(sent_at) AS firstSentAt, MAX(sent_at) AS lastSentAt
         FROM notification_outbox WHERE subject = ?${communeCode === undefined ? '' : ' AND commune_code = ?'} GROUP BY channel ORDER BY channel`,
      )
      .all(...(communeCode === undefined ? [subject] : [subject, communeCode])) as ChannelReach[];
  }

  /** The commune a subject (`alert:<id>`, `camera:<edgeId>/<cameraId>` …) belongs to; null: the province's own or none. */
  subjectCommune(subject: string): string | null {
    return this.communes.of(subject);
  }

  /** The channels with messages in the outbox (the admins' channel filter). */
  channelNames(): string[] {
    // a seek per channel and status on the (status, channel, …) index, not a DISTINCT over every row
    const next = this.db.prepare(`SELECT MIN(channel) FROM notification_outbox WHERE status = ? AND channel > ?`).pluck();
    const names = new Set<string>();
    for (const status of DELIVERY_STATUSES) {
      for (let after = '', found = next.get(status, after) as string | null; found !== null; after = found, found = next.get(status, after) as string | null) names.add(found);
    }
    return [...names].sort();
  }

  /** Deletes messages sent or given up before `before` (epoch ms), with their attempts; returns how many. */
  purge(before: number): number {
    return this.db.prepare(`DELETE FROM notification_outbox WHERE created_at < ? AND status IN ('sent','failed')`).run(before).changes;
  }

  private toDelivery(row: Row): Delivery {
    const history = this.db
      .prepare(`SELECT at, outcome, reason, duration_ms AS durationMs FROM notification_attempts WHERE message_id = ? ORDER BY id DESC LIMIT ?`)
      .all(row.id, MAX_HISTORY) as DeliveryAttempt[];
    const { data: _data, ...message } = toMessage(row); // the channel's extras stay out of the admins' view
    return {
      ...message,
      status: row.status,
      nextAttemptAt: row.status === 'queued' ? row.next_attempt_at : null,
      lastError: row.last_error,
      sentAt: row.sent_at,
      communeCode: row.commune_code,
      providerId: row.provider_id,
      history: history.reverse(),
    };
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The writer channels get: stores and wakes the dispatcher. */
export function outboxWriter(store: OutboxStore, wake: () => void): OutboxWriter {
  return {
    enqueue(messages) {
      const added = store.enqueue(messages);
      if (added > 0) wake();
      return added;
    },
    async enqueueMany(messages) {
      let added = 0;
      for (let from = 0; from < messages.length; from += OUTBOX_CHUNK) {
        if (from > 0) await yieldToEventLoop();
        const chunk = store.enqueue(messages.slice(from, from + OUTBOX_CHUNK));
        added += chunk;
        // the dispatcher starts on the first chunk while the rest is stored
        if (chunk > 0) wake();
      }
      return added;
    },
  };
}
