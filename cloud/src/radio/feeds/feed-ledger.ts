import type { Db } from '../../db/database.js';
import type { Selectable } from 'kysely';
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

/**
 * Every message met in a feed, by its address and its CAP identity: the memory that makes each one
 * fetched and passed to the alert rules once, across restarts. A message waits here (with its XML)
 * until the rules have answered, in the order the feed published them.
 */
export class FeedLedger {
  constructor(private readonly db: Db) {}

  /** Whether a message address (or inline key) was met before, in any feed. */
  knows(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM cap_feed_messages WHERE key = ?').get(key) !== undefined;
  }

  /** Queues a fetched message; a CAP message met before at another address is kept as a duplicate, not queued. */
  add(message: NewFeedMessage & { xml: string }, now: number): FeedMessageState {
    const { cap } = message;
    const earlier = cap
      ? (this.db.prepare("SELECT key FROM cap_feed_messages WHERE sender = ? AND identifier = ? AND sent = ? AND state != 'duplicate' LIMIT 1").get(cap.sender, cap.identifier, cap.sent) as { key: string } | undefined)
      : undefined;
    const state: FeedMessageState = earlier ? 'duplicate' : 'pending';
    this.db
      .prepare(
        `INSERT INTO cap_feed_messages (key, feed_id, url, identifier, sender, sent, state, reason, xml, appeared_at, next_attempt_at, updated_at)
         VALUES (@key, @feedId, @url, @identifier, @sender, @sent, @state, @reason, @xml, @appearedAt, NULL, @now)`,
      )
      .run({
        key: message.key,
        feedId: message.feedId,
        url: message.url,
        identifier: cap?.identifier ?? null,
        sender: cap?.sender ?? null,
        sent: cap?.sent ?? null,
        state,
        reason: earlier ? `already met as ${earlier.key}` : null,
        xml: earlier ? null : message.xml,
        appearedAt: message.appearedAt,
        now,
      });
    return state;
  }

  /** Records a message that could not be taken at all (too large, gone): it is not fetched again. */
  addRefused(message: NewFeedMessage, reason: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO cap_feed_messages (key, feed_id, url, state, reason, appeared_at, updated_at)
         VALUES (?, ?, ?, 'refused', ?, ?, ?)`,
      )
      .run(message.key, message.feedId, message.url, reason.slice(0, 1000), message.appearedAt, now);
  }

  /** The feed's messages waiting for the rules, oldest first. */
  pending(feedId: string): PendingMessage[] {
    const rows = this.db.prepare("SELECT * FROM cap_feed_messages WHERE feed_id = ? AND state = 'pending' ORDER BY seq").all(feedId) as MessageRow[];
    return rows.map((r) => ({ ...toMessage(r), xml: r.xml ?? '' }));
  }

  /** The rules answered: taken (with its alert), held (with the held alert) or refused (with the reason). The XML is no longer kept. */
  settle(seq: number, outcome: { state: 'taken'; alertId: string } | { state: 'held'; heldId: string } | { state: 'refused' | 'failed'; reason: string }, now: number): void {
    this.db
      .prepare('UPDATE cap_feed_messages SET state = ?, alert_id = ?, held_id = ?, reason = ?, xml = NULL, attempts = attempts + 1, next_attempt_at = NULL, updated_at = ? WHERE seq = ?')
      .run(
        outcome.state,
        outcome.state === 'taken' ? outcome.alertId : null,
        outcome.state === 'held' ? outcome.heldId : null,
        'reason' in outcome ? outcome.reason.slice(0, 1000) : null,
        now,
        seq,
      );
  }

  /** A transient failure (speech synthesis): tried again from `nextAttemptAt`. */
  postpone(seq: number, reason: string, nextAttemptAt: number, now: number): void {
    this.db.prepare('UPDATE cap_feed_messages SET attempts = attempts + 1, reason = ?, next_attempt_at = ?, updated_at = ? WHERE seq = ?').run(reason.slice(0, 1000), nextAttemptAt, now, seq);
  }

  /** A feed's messages, newest first. */
  list(feedId: string, filter: { state?: FeedMessageState; limit: number }): FeedMessage[] {
    const rows = this.db
      .prepare(`SELECT * FROM cap_feed_messages WHERE feed_id = @feedId ${filter.state ? 'AND state = @state' : ''} ORDER BY seq DESC LIMIT @limit`)
      .all({ feedId, limit: filter.limit, ...(filter.state ? { state: filter.state } : {}) }) as MessageRow[];
    return rows.map(toMessage);
  }
}
