import { sql, type Selectable } from 'kysely';
import { skipLockedRows, type QueryDatabase } from '../db/query/index.js';
import type { NotificationOutboxTable } from '../db/query/tables.js';
import type { NewOutboxMessage, NotificationContent, OutboxMessage } from './channel.js';
import { DELIVERY_STATUSES, type AttemptOutcome, type BacklogCount, type ChannelReach, type Delivery, type DeliveryAttempt, type DeliveryFilter, type DeliveryStatus } from './deliveries.js';

/*
 * The outbox: every message a channel wants delivered, one row per idempotency key, and every
 * delivery attempt made for it. The dispatcher (dispatcher.ts) claims due rows, hands them to their
 * channel and writes back what came of it; admins read the rows and their attempts. All SQL of the
 * notifications lives here, written once for SQLite and PostgreSQL (db/query/).
 *
 * Several cloud processes may share one PostgreSQL database, each with its dispatcher. A message is
 * claimed by ONE conditional statement (`UPDATE … WHERE id IN (due rows, FOR UPDATE SKIP LOCKED on
 * PostgreSQL) AND status = 'queued' RETURNING`), so two processes never both send it. While a row
 * is 'sending', its next_attempt_at is the claim's lease: the time after which the claimer is taken
 * to have died (a crash during the send) and another process may put it back in the queue.
 */

/** Resolves the commune of a subject (`alert:<id>` …): communes/object-commune.ts. */
export type SubjectCommune = (subject: string) => string | null | Promise<string | null>;

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
/** Rows per INSERT statement of enqueue: well under PostgreSQL's 65,535 parameters (11 a row) and SQLite's 32,766. */
const INSERT_ROWS = 500;

/** A claim's lease when the caller gives none (the dispatcher gives its send timeout and a margin). */
export const DEFAULT_LEASE_MS = 60_000;

const INTERRUPTED = 'the cloud stopped during the send; sent again';

export class OutboxStore {
  constructor(
    private readonly q: QueryDatabase,
    /** The commune of a message whose channel did not say (its subject's). */
    private readonly communeOf: SubjectCommune,
    /** The clock of created_at and of "due"; injectable for tests. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores the messages whose idempotency key is new, in one transaction (a Zalo fan-out chunk is
   * 2,000 rows, a few multi-row INSERTs); returns how many were new. `ON CONFLICT DO NOTHING`: the
   * same key enqueued by two processes at once is stored once. Validation is the channel's: these
   * come from code, not from outside.
   */
  async enqueue(messages: readonly NewOutboxMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const at = this.now();
    // a fan-out is thousands of messages about one subject: its commune is looked up once, before the transaction
    const communeOf = new Map<string, string | null>();
    for (const m of messages) {
      if (m.communeCode === undefined && !communeOf.has(m.subject)) communeOf.set(m.subject, await this.communeOf(m.subject));
    }
    const rows = messages.map((m) => ({
      channel: m.channel,
      idempotency_key: m.idempotencyKey,
      recipient: m.recipient,
      subject: m.subject,
      event: m.event,
      content: JSON.stringify(m.content),
      data: JSON.stringify(m.data ?? {}),
      status: 'queued',
      attempts: 0,
      next_attempt_at: Math.max(m.notBefore ?? at, 0),
      created_at: at,
      commune_code: m.communeCode !== undefined ? m.communeCode : communeOf.get(m.subject)!,
    }));
    return this.q.db.transaction().execute(async (trx) => {
      let added = 0;
      for (let from = 0; from < rows.length; from += INSERT_ROWS) {
        const stored = await trx
          .insertInto('notification_outbox')
          .values(rows.slice(from, from + INSERT_ROWS))
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returning('id')
          .execute();
        added += stored.length;
      }
      return added;
    });
  }

  /**
   * Marks up to `limit` due messages of the channel as being sent, for `leaseMs`, and returns them
   * (with the attempts made before this one), oldest due first. One statement: under PostgreSQL's
   * READ COMMITTED two processes claiming at once skip each other's locked rows, and the repeated
   * `status = 'queued'` keeps a row another claimer took meanwhile out. The attempt counts from
   * here, so a message that crashes the cloud every time it is sent still reaches the limit.
   */
  async claimDue(channel: string, limit: number, leaseMs = DEFAULT_LEASE_MS): Promise<OutboxMessage[]> {
    if (limit <= 0) return [];
    const now = this.now();
    const d = this.q.dialect;
    // the due rows are picked in a CTE: PostgreSQL evaluates one with FOR UPDATE once, where an
    // `IN (SELECT … LIMIT … SKIP LOCKED)` may be re-run for each row and skip to more rows than the limit
    const rows = await this.q.db
      .with('due', (db) =>
        skipLockedRows(
          d,
          db
            .selectFrom('notification_outbox')
            .select('id')
            .where('status', '=', 'queued')
            .where('channel', '=', channel)
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(limit),
        ),
      )
      .updateTable('notification_outbox')
      .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), next_attempt_at: now + leaseMs }))
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', 'queued')
      .returningAll()
      .execute();
    // RETURNING has no order, and gives the row as updated: the attempts before this one are one fewer
    return (rows as Row[])
      .map((row) => ({ ...toMessage(row), attempts: row.attempts - 1 }))
      .sort((a, b) => a.id - b.id);
  }

  /** When the channel's next queued message is due (epoch ms), or null if none is queued. */
  async nextDueAt(channel: string): Promise<number | null> {
    const row = await this.q.db
      .selectFrom('notification_outbox')
      .select((eb) => eb.fn.min('next_attempt_at').as('due'))
      .where('status', '=', 'queued')
      .where('channel', '=', channel)
      .executeTakeFirst();
    return row?.due ?? null;
  }

  async recordSent(id: number, durationMs: number, providerId: string | undefined): Promise<void> {
    const at = this.now();
    await this.q.db.transaction().execute(async (trx) => {
      await trx.updateTable('notification_outbox').set({ status: 'sent', sent_at: at, provider_id: providerId ?? null, last_error: null }).where('id', '=', id).execute();
      await this.attempt(trx, id, at, 'sent', null, durationMs);
    });
  }

  async recordRetry(id: number, durationMs: number, reason: string, nextAttemptAt: number): Promise<void> {
    const at = this.now();
    await this.q.db.transaction().execute(async (trx) => {
      await trx.updateTable('notification_outbox').set({ status: 'queued', next_attempt_at: nextAttemptAt, last_error: reason }).where('id', '=', id).execute();
      await this.attempt(trx, id, at, 'retry', reason, durationMs);
    });
  }

  async recordFailed(id: number, durationMs: number, reason: string): Promise<void> {
    const at = this.now();
    await this.q.db.transaction().execute(async (trx) => {
      await trx.updateTable('notification_outbox').set({ status: 'failed', last_error: reason }).where('id', '=', id).execute();
      await this.attempt(trx, id, at, 'failed', reason, durationMs);
    });
  }

  /**
   * Puts back in the queue, due now, the messages whose claim's lease has run out while being sent:
   * their process stopped or crashed during the send. The channel may or may not have delivered
   * them, so they are sent again and the idempotency key keeps the provider from delivering twice
   * where it can. One conditional UPDATE … RETURNING: with several processes recovering at once,
   * each such message is put back (and its 'interrupted' attempt recorded) by one of them.
   */
  async recoverInterrupted(): Promise<number> {
    const at = this.now();
    return this.q.db.transaction().execute(async (trx) => {
      const recovered = await trx
        .updateTable('notification_outbox')
        .set({ status: 'queued', next_attempt_at: at, last_error: INTERRUPTED })
        .where('status', '=', 'sending')
        .where('next_attempt_at', '<', at)
        .returning('id')
        .execute();
      for (let from = 0; from < recovered.length; from += INSERT_ROWS) {
        await trx
          .insertInto('notification_attempts')
          .values(recovered.slice(from, from + INSERT_ROWS).map(({ id }) => ({ message_id: id, at, outcome: 'interrupted', reason: INTERRUPTED, duration_ms: 0 })))
          .execute();
      }
      return recovered.length;
    });
  }

  /** Messages waiting or being sent, per channel (the backlog gauge). Reads the status index only. */
  async backlog(): Promise<BacklogCount[]> {
    const rows = await this.q.db
      .selectFrom('notification_outbox')
      .select(['channel', 'status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', 'in', ['queued', 'sending'])
      .groupBy(['channel', 'status'])
      .execute();
    return rows as BacklogCount[];
  }

  async get(id: number): Promise<Delivery | null> {
    const row = await this.q.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDelivery(row as Row) : null;
  }

  /** Newest first, with each message's attempts. */
  async page(filter: DeliveryFilter, limit: number, offset: number): Promise<{ items: Delivery[]; total: number }> {
    const filtered = this.q.db
      .selectFrom('notification_outbox')
      .$if(filter.communeCode !== undefined, (qb) => qb.where('commune_code', '=', filter.communeCode!))
      .$if(filter.channel !== undefined, (qb) => qb.where('channel', '=', filter.channel!))
      .$if(filter.status !== undefined, (qb) => qb.where('status', '=', filter.status!))
      .$if(filter.subject !== undefined, (qb) => qb.where('subject', '=', filter.subject!))
      .$if(filter.since !== undefined, (qb) => qb.where('created_at', '>=', filter.since!));
    const { n } = await filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await filtered.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute();
    const items: Delivery[] = [];
    for (const row of rows) items.push(await this.toDelivery(row as Row));
    return { items, total: n };
  }

  /**
   * An admin's "try again now" for a message given up: queued and due at once, its attempts kept
   * (so one more failure gives it up again, with the new reason). One conditional UPDATE decides; a
   * second read only says why it was refused.
   */
  async retryNow(id: number): Promise<'queued' | 'not_found' | 'not_failed'> {
    const queued = await this.q.db
      .updateTable('notification_outbox')
      .set({ status: 'queued', next_attempt_at: this.now() })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .returning('id')
      .executeTakeFirst();
    if (queued) return 'queued';
    const row = await this.q.db.selectFrom('notification_outbox').select('id').where('id', '=', id).executeTakeFirst();
    return row ? 'not_failed' : 'not_found';
  }

  /**
   * Makes every queued message of the channel due now: its provider became usable again (the Zalo
   * OA reconnected), so what waited need not wait for its next backoff. How many.
   */
  async dueNow(channel: string): Promise<number> {
    const now = this.now();
    const result = await this.q.db
      .updateTable('notification_outbox')
      .set({ next_attempt_at: now })
      .where('channel', '=', channel)
      .where('status', '=', 'queued')
      .where('next_attempt_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Per channel: how many of the subject's messages wait, are being sent, were sent or given up, and
   * when the first and last went; `communeCode`: only that commune's messages (a province alert's
   * reach in one commune).
   */
  async reach(subject: string, communeCode?: string): Promise<ChannelReach[]> {
    // SUM(CASE …): PostgreSQL cannot sum a comparison as SQLite does; its SUM of integers is a bigint, parsed to a number
    const count = (status: DeliveryStatus) => sql<number>`COALESCE(SUM(CASE WHEN status = ${status} THEN 1 ELSE 0 END), 0)`;
    const rows = await this.q.db
      .selectFrom('notification_outbox')
      .select((eb) => [
        'channel',
        count('queued').as('queued'),
        count('sending').as('sending'),
        count('sent').as('sent'),
        count('failed').as('failed'),
        eb.fn.min('sent_at').as('firstSentAt'),
        eb.fn.max('sent_at').as('lastSentAt'),
      ])
      .where('subject', '=', subject)
      .$if(communeCode !== undefined, (qb) => qb.where('commune_code', '=', communeCode!))
      .groupBy('channel')
      .orderBy('channel')
      .execute();
    // PostgreSQL's SUM over bigint is numeric, which pg gives as a string
    return rows.map((r) => ({ ...r, queued: Number(r.queued), sending: Number(r.sending), sent: Number(r.sent), failed: Number(r.failed) }));
  }

  /** The commune a subject (`alert:<id>`, `camera:<edgeId>/<cameraId>` …) belongs to; null: the province's own or none. */
  async subjectCommune(subject: string): Promise<string | null> {
    return this.communeOf(subject);
  }

  /** The channels with messages in the outbox (the admins' channel filter). */
  async channelNames(): Promise<string[]> {
    // a seek per channel and status on the (status, channel, …) index, not a DISTINCT over every row
    const next = async (status: DeliveryStatus, after: string) =>
      (
        await this.q.db
          .selectFrom('notification_outbox')
          .select((eb) => eb.fn.min('channel').as('name'))
          .where('status', '=', status)
          .where('channel', '>', after)
          .executeTakeFirst()
      )?.name ?? null;
    const names = new Set<string>();
    for (const status of DELIVERY_STATUSES) {
      for (let found = await next(status, ''); found !== null; found = await next(status, found)) names.add(found);
    }
    return [...names].sort();
  }

  /** Deletes messages sent or given up before `before` (epoch ms), with their attempts; returns how many. */
  async purge(before: number): Promise<number> {
    const result = await this.q.db
      .deleteFrom('notification_outbox')
      .where('created_at', '<', before)
      .where('status', 'in', ['sent', 'failed'])
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async attempt(
    trx: Pick<QueryDatabase['db'], 'insertInto'>,
    id: number,
    at: number,
    outcome: AttemptOutcome,
    reason: string | null,
    durationMs: number,
  ): Promise<void> {
    await trx.insertInto('notification_attempts').values({ message_id: id, at, outcome, reason, duration_ms: Math.round(durationMs) }).execute();
  }

  private async toDelivery(row: Row): Promise<Delivery> {
    const history = await this.q.db
      .selectFrom('notification_attempts')
      .select(['at', 'outcome', 'reason', 'duration_ms as durationMs'])
      .where('message_id', '=', row.id)
      .orderBy('id', 'desc')
      .limit(MAX_HISTORY)
      .execute();
    const { data: _data, ...message } = toMessage(row); // the channel's extras stay out of the admins' view
    return {
      ...message,
      status: row.status,
      nextAttemptAt: row.status === 'queued' ? row.next_attempt_at : null,
      lastError: row.last_error,
      sentAt: row.sent_at,
      communeCode: row.commune_code,
      providerId: row.provider_id,
      history: (history as DeliveryAttempt[]).reverse(),
    };
  }
}
