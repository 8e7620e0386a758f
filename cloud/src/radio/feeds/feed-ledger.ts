import { sql, type Insertable, type Selectable } from 'kysely';
import type { QueryDatabase } from '../../db/query/index.js';
import type { CapFeedMessagesTable } from '../../db/query/tables.js';

export const feedMessageStates = ['pending', 'taken', 'held', 'refused', 'duplicate', 'failed'] as const;
/**
 * pending: fetched, waiting for its turn or for a retry (speech failed); taken: the alert rules
 * accepted it (an alert started, known, or cancelled); held: the rules keep it for an operator to
 * confirm; refused: they did not take it (the reason says why); duplicate: the same CAP message
 * (sender, identifier, sent) came earlier from another address; failed: given up after retries.
 */
export type FeedMessageState = (typeof feedMessageStates)[number];

export interface FeedMessage {
  seq: number;
  /** The message's URL, or `inline:<sha256>` for a CAP alert carried inside the feed entry. */
  key: string;
  feedId: string | null;
  url: string | null;
  identifier: string | null;
  sender: string | null;
  /** CAP sent, epoch ms. */
  sent: number | null;
  state: FeedMessageState;
  reason: string | null;
  alertId: string | null;
  /** The held alert waiting for an operator. */
  heldId: string | null;
  attempts: number;
  /** When the poller first met it in the feed. */
  appearedAt: number;
  nextAttemptAt: number | null;
  updatedAt: number;
}

export interface PendingMessage extends FeedMessage {
  xml: string;
}

type MessageRow = Omit<Selectable<CapFeedMessagesTable>, 'state'> & { state: FeedMessageState };

const toMessage = (r: MessageRow): FeedMessage => ({
  seq: r.seq,
  key: r.key,
  feedId: r.feed_id,
  url: r.url,
  identifier: r.identifier,
  sender: r.sender,
  sent: r.sent,
  state: r.state,
  reason: r.reason,
  alertId: r.alert_id,
  heldId: r.held_id,
  attempts: r.attempts,
  appearedAt: r.appeared_at,
  nextAttemptAt: r.next_attempt_at,
  updatedAt: r.updated_at,
});

export interface NewFeedMessage {
  key: string;
  feedId: string;
  url: string | null;
  cap: { identifier: string; sender: string; sent: number } | null;
  appearedAt: number;
}

/** How long a process holds a message it passes to the rules before another may try it (it died meanwhile). */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** PostgreSQL's unique_violation: two processes numbered a message the same (see `insert`). */
const isSeqRace = (err: unknown) => (err as { code?: unknown }).code === '23505' || /UNIQUE constraint failed: cap_feed_messages\.seq/.test((err as Error).message ?? '');

/**
 * Every message met in a feed, by its address and its CAP identity: the memory that makes each one
 * fetched and passed to the alert rules once, across restarts and across cloud processes (the query
 * layer: SQLite or PostgreSQL). A message waits here (with its XML) until the rules have answered,
 * in the order the feed published them.
 */
export class FeedLedger {
  constructor(private readonly q: QueryDatabase) {}

  /** Whether a message address (or inline key) was met before, in any feed (a hint to skip fetching; `add` decides). */
  async knows(key: string): Promise<boolean> {
    return (await this.q.db.selectFrom('cap_feed_messages').select('seq').where('key', '=', key).executeTakeFirst()) !== undefined;
  }

  /**
   * Stores a message once by its key: INSERT … ON CONFLICT (key) DO NOTHING RETURNING, so of two
   * processes meeting it at once exactly one gets its row back (true). `seq` is the next number,
   * taken in the same statement: PostgreSQL's baseline gives this INTEGER PRIMARY KEY no default
   * (SQLite's rowid would number it the same way); two processes taking the same number at once get
   * a unique violation, not a lost message, and the loser numbers again.
   */
  private async insert(row: Omit<Insertable<CapFeedMessagesTable>, 'seq'>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        const stored = await this.q.db
          .insertInto('cap_feed_messages')
          .values({ ...row, seq: this.q.db.selectFrom('cap_feed_messages').select(sql<number>`coalesce(max(seq), 0) + 1`.as('next')) })
          .onConflict((oc) => oc.column('key').doNothing())
          .returning('seq')
          .executeTakeFirst();
        return stored !== undefined;
      } catch (err) {
        if (attempt < 5 && isSeqRace(err)) continue;
        throw err;
      }
    }
  }

  /**
   * Queues a fetched message; a CAP message met before at another address is kept as a duplicate,
   * not queued. Null when the key was already met (another process stored it first): the caller
   * does nothing with it.
   */
  async add(message: NewFeedMessage & { xml: string }, now: number): Promise<FeedMessageState | null> {
    const { cap } = message;
    const earlier = cap
      ? await this.q.db
          .selectFrom('cap_feed_messages')
          .select('key')
          .where('sender', '=', cap.sender)
          .where('identifier', '=', cap.identifier)
          .where('sent', '=', cap.sent)
          .where('state', '!=', 'duplicate')
          .limit(1)
          .executeTakeFirst()
      : undefined;
    const state: FeedMessageState = earlier ? 'duplicate' : 'pending';
    const stored = await this.insert({
      key: message.key,
      feed_id: message.feedId,
      url: message.url,
      identifier: cap?.identifier ?? null,
      sender: cap?.sender ?? null,
      sent: cap?.sent ?? null,
      state,
      reason: earlier ? `already met as ${earlier.key}` : null,
      xml: earlier ? null : message.xml,
      appeared_at: message.appearedAt,
      next_attempt_at: null,
      updated_at: now,
    });
    return stored ? state : null;
  }

  /** Records a message that could not be taken at all (too large, gone): it is not fetched again. False: already met. */
  async addRefused(message: NewFeedMessage, reason: string, now: number): Promise<boolean> {
    return this.insert({ key: message.key, feed_id: message.feedId, url: message.url, state: 'refused', reason: reason.slice(0, 1000), appeared_at: message.appearedAt, updated_at: now });
  }

  /** The feed's messages waiting for the rules, oldest first. */
  async pending(feedId: string): Promise<PendingMessage[]> {
    const rows = await this.q.db.selectFrom('cap_feed_messages').selectAll().where('feed_id', '=', feedId).where('state', '=', 'pending').orderBy('seq').execute();
    return rows.map((r) => ({ ...toMessage(r as MessageRow), xml: r.xml ?? '' }));
  }

  /**
   * Takes a waiting message to pass it to the rules: one conditional UPDATE (still pending, and not
   * waiting for a retry or held by another process's lease) that sets a lease of CLAIM_LEASE_MS.
   * True for the one process that got it; settle or postpone then ends the lease.
   */
  async claim(seq: number, now: number): Promise<boolean> {
    const won = await this.q.db
      .updateTable('cap_feed_messages')
      .set({ next_attempt_at: now + CLAIM_LEASE_MS })
      .where('seq', '=', seq)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .returning('seq')
      .executeTakeFirst();
    return won !== undefined;
  }

  /** The rules answered: taken (with its alert), held (with the held alert) or refused (with the reason). The XML is no longer kept. */
  async settle(seq: number, outcome: { state: 'taken'; alertId: string } | { state: 'held'; heldId: string } | { state: 'refused' | 'failed'; reason: string }, now: number): Promise<void> {
    await this.q.db
      .updateTable('cap_feed_messages')
      .set((eb) => ({
        state: outcome.state,
        alert_id: outcome.state === 'taken' ? outcome.alertId : null,
        held_id: outcome.state === 'held' ? outcome.heldId : null,
        reason: 'reason' in outcome ? outcome.reason.slice(0, 1000) : null,
        xml: null,
        attempts: eb('attempts', '+', 1),
        next_attempt_at: null,
        updated_at: now,
      }))
      .where('seq', '=', seq)
      .execute();
  }

  /** A transient failure (speech synthesis): tried again from `nextAttemptAt`. */
  async postpone(seq: number, reason: string, nextAttemptAt: number, now: number): Promise<void> {
    await this.q.db
      .updateTable('cap_feed_messages')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), reason: reason.slice(0, 1000), next_attempt_at: nextAttemptAt, updated_at: now }))
      .where('seq', '=', seq)
      .execute();
  }

  /** A feed's messages, newest first. */
  async list(feedId: string, filter: { state?: FeedMessageState; limit: number }): Promise<FeedMessage[]> {
    let query = this.q.db.selectFrom('cap_feed_messages').selectAll().where('feed_id', '=', feedId);
    if (filter.state) query = query.where('state', '=', filter.state);
    const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute();
    return rows.map((r) => toMessage(r as MessageRow));
  }
}
