import { newId } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
import { conflict, notFound } from '../../http/errors.js';
import type { Selectable } from 'kysely';
import type { CapFeedsTable } from '../../db/query/tables.js';

/** A CAP feed the cloud subscribes to, with what its polls found. */
export interface CapFeed {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  /** Null: the cloud's SC_CAP_FEED_POLL_S. */
  pollEverySeconds: number | null;
  etag: string | null;
  lastModified: string | null;
  lastPollAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  consecutiveFailures: number;
  /** When the current run of failures began; null while the feed answers. */
  failingSince: number | null;
  /** Messages the alert rules took in: started (or known) alerts, and alerts held for an operator. */
  messagesTaken: number;
  /** Of those, held for an operator to confirm. */
  messagesHeld: number;
  /** Messages the rules refused, or given up on. */
  messagesRefused: number;
  createdBy: string | null;
  createdAt: number;
  /**
   * The commune whose feed it is: its messages are judged against that commune alone and become its
   * alerts. Null: the province's feed, whose messages reach every commune their areas include.
   */
  communeCode: string | null;
}

/** The feed with its messages counted (SELECT). */
type FeedRow = Selectable<CapFeedsTable> & { messages_taken: number; messages_held: number; messages_refused: number };

const SELECT = `
  SELECT f.*,
    (SELECT COUNT(*) FROM cap_feed_messages m WHERE m.feed_id = f.id AND m.state IN ('taken', 'held')) AS messages_taken,
    (SELECT COUNT(*) FROM cap_feed_messages m WHERE m.feed_id = f.id AND m.state = 'held') AS messages_held,
    (SELECT COUNT(*) FROM cap_feed_messages m WHERE m.feed_id = f.id AND m.state IN ('refused', 'failed')) AS messages_refused
  FROM cap_feeds f`;

const toFeed = (r: FeedRow): CapFeed => ({
  id: r.id,
  name: r.name,
  url: r.url,
  enabled: r.enabled === 1,
  pollEverySeconds: r.poll_every_s,
  etag: r.etag,
  lastModified: r.last_modified,
  lastPollAt: r.last_poll_at,
  lastSuccessAt: r.last_success_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  consecutiveFailures: r.consecutive_failures,
  failingSince: r.failing_since,
  messagesTaken: r.messages_taken,
  messagesHeld: r.messages_held,
  messagesRefused: r.messages_refused,
  createdBy: r.created_by,
  createdAt: r.created_at,
  communeCode: r.commune_code,
});

/** The validators a feed answered with, sent back on the next poll. */
export interface FeedValidators {
  etag: string | null;
  lastModified: string | null;
}

/** The subscribed CAP feeds in SQLite. */
export class FeedStore {
  constructor(private readonly db: Db) {}

  /** `commune`: that commune's feeds and the province's (what its people see); absent: all. */
  list(commune?: string): CapFeed[] {
    const rows = commune
      ? this.db.prepare(`${SELECT} WHERE f.commune_code = ? OR f.commune_code IS NULL ORDER BY f.created_at, f.id`).all(commune)
      : this.db.prepare(`${SELECT} ORDER BY f.created_at, f.id`).all();
    return (rows as FeedRow[]).map(toFeed);
  }

  find(id: string): CapFeed | null {
    const row = this.db.prepare(`${SELECT} WHERE f.id = ?`).get(id) as FeedRow | undefined;
    return row ? toFeed(row) : null;
  }

  get(id: string): CapFeed {
    const feed = this.find(id);
    if (!feed) throw notFound(`CAP feed ${id}`);
    return feed;
  }

  /** `communeCode`: the commune of the person subscribing (null: the province's feed). A URL is subscribed once in the province. */
  add(input: { name: string; url: string; enabled: boolean; pollEverySeconds: number | null; createdBy: string | null; communeCode?: string | null }, now: number): CapFeed {
    const communeCode = input.communeCode ?? null;
    const existing = this.db.prepare('SELECT id, commune_code AS communeCode FROM cap_feeds WHERE url = ?').get(input.url) as { id: string; communeCode: string | null } | undefined;
    if (existing) {
      // another commune's feed is not named: only that it exists (its messages already reach the communes their areas include)
      const visible = communeCode === null || existing.communeCode === null || existing.communeCode === communeCode;
      throw visible ? conflict(`this feed is already subscribed (${existing.id})`, { feedId: existing.id }) : conflict('this feed is already subscribed by another commune of the province');
    }
    const id = newId('fd');
    this.db
      .prepare('INSERT INTO cap_feeds (id, name, url, enabled, poll_every_s, created_by, created_at, commune_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.name, input.url, input.enabled ? 1 : 0, input.pollEverySeconds, input.createdBy, now, communeCode);
    return this.get(id);
  }

  /** Changes name, enabled or interval; a feed enabled again starts its failure count afresh. */
  update(id: string, changes: { name?: string; enabled?: boolean; pollEverySeconds?: number | null }): CapFeed {
    const feed = this.get(id);
    const enabled = changes.enabled ?? feed.enabled;
    const restarted = enabled && !feed.enabled;
    this.db
      .prepare(
        `UPDATE cap_feeds SET name = ?, enabled = ?, poll_every_s = ?,
           consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures END,
           failing_since = CASE WHEN ? THEN NULL ELSE failing_since END
         WHERE id = ?`,
      )
      .run(changes.name ?? feed.name, enabled ? 1 : 0, changes.pollEverySeconds === undefined ? feed.pollEverySeconds : changes.pollEverySeconds, restarted ? 1 : 0, restarted ? 1 : 0, id);
    return this.get(id);
  }

  /** The feed goes; the messages met in it stay (without their feed), so none plays again if it is added back. */
  delete(id: string): void {
    if (this.db.prepare('DELETE FROM cap_feeds WHERE id = ?').run(id).changes === 0) throw notFound(`CAP feed ${id}`);
  }

  /** A poll that answered (200 or 304); validators only when every new entry of the index was taken. */
  pollSucceeded(id: string, at: number, validators: FeedValidators | null): void {
    this.db
      .prepare(
        `UPDATE cap_feeds SET last_poll_at = @at, last_success_at = @at, consecutive_failures = 0, failing_since = NULL,
           etag = CASE WHEN @keep THEN etag ELSE @etag END, last_modified = CASE WHEN @keep THEN last_modified ELSE @lastModified END
         WHERE id = @id`,
      )
      .run({ id, at, keep: validators ? 0 : 1, etag: validators?.etag ?? null, lastModified: validators?.lastModified ?? null });
  }

  /** A poll that failed; returns the feed as it now stands. */
  pollFailed(id: string, at: number, error: string): CapFeed | null {
    this.db
      .prepare(
        `UPDATE cap_feeds SET last_poll_at = @at, last_error = @error, last_error_at = @at,
           consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, @at)
         WHERE id = @id`,
      )
      .run({ id, at, error: error.slice(0, 500) });
    return this.find(id);
  }
}
