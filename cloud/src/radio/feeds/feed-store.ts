import { newId } from '@smart-commune/shared';
import { toDbBool, type QueryDatabase } from '../../db/query/index.js';
import { conflict, notFound } from '../../http/errors.js';
import { sql, type Selectable } from 'kysely';
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

/** The feed with its messages counted. */
type FeedRow = Selectable<CapFeedsTable> & { messages_taken: number; messages_held: number; messages_refused: number };

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

/** The subscribed CAP feeds (the query layer: SQLite or PostgreSQL). */
export class FeedStore {
  constructor(private readonly q: QueryDatabase) {}

  /** Every feed column and its messages counted by outcome. */
  private select() {
    return this.q.db
      .selectFrom('cap_feeds as f')
      .selectAll('f')
      .select((eb) => {
        const count = (states: readonly string[]) =>
          eb
            .selectFrom('cap_feed_messages as m')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('m.feed_id', '=', 'f.id')
            .where('m.state', 'in', states);
        return [count(['taken', 'held']).as('messages_taken'), count(['held']).as('messages_held'), count(['refused', 'failed']).as('messages_refused')];
      });
  }

  /** COUNT is a bigint on PostgreSQL (a string there unless parsed): numbers on both. */
  private toFeed(r: FeedRow): CapFeed {
    return toFeed({ ...r, messages_taken: Number(r.messages_taken), messages_held: Number(r.messages_held), messages_refused: Number(r.messages_refused) });
  }

  /** `commune`: that commune's feeds and the province's (what its people see); absent: all. */
  async list(commune?: string): Promise<CapFeed[]> {
    let query = this.select();
    if (commune) query = query.where((eb) => eb.or([eb('f.commune_code', '=', commune), eb('f.commune_code', 'is', null)]));
    const rows = await query.orderBy('f.created_at').orderBy('f.id').execute();
    return rows.map((r) => this.toFeed(r as FeedRow));
  }

  async find(id: string): Promise<CapFeed | null> {
    const row = await this.select().where('f.id', '=', id).executeTakeFirst();
    return row ? this.toFeed(row as FeedRow) : null;
  }

  async get(id: string): Promise<CapFeed> {
    const feed = await this.find(id);
    if (!feed) throw notFound(`CAP feed ${id}`);
    return feed;
  }

  /**
   * `communeCode`: the commune of the person subscribing (null: the province's feed). A URL is
   * subscribed once in the province: the insert is ON CONFLICT DO NOTHING on the url, so of two
   * subscribing at once one gets the feed and the other the conflict.
   */
  async add(input: { name: string; url: string; enabled: boolean; pollEverySeconds: number | null; createdBy: string | null; communeCode?: string | null }, now: number): Promise<CapFeed> {
    const communeCode = input.communeCode ?? null;
    const id = newId('fd');
    const stored = await this.q.db
      .insertInto('cap_feeds')
      .values({ id, name: input.name, url: input.url, enabled: toDbBool(input.enabled), poll_every_s: input.pollEverySeconds, created_by: input.createdBy, created_at: now, commune_code: communeCode })
      .onConflict((oc) => oc.column('url').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!stored) {
      const existing = await this.q.db.selectFrom('cap_feeds').select(['id', 'commune_code']).where('url', '=', input.url).executeTakeFirst();
      // another commune's feed is not named: only that it exists (its messages already reach the communes their areas include)
      const visible = !existing || communeCode === null || existing.commune_code === null || existing.commune_code === communeCode;
      throw visible ? conflict(`this feed is already subscribed (${existing?.id ?? 'just removed'})`, { feedId: existing?.id ?? null }) : conflict('this feed is already subscribed by another commune of the province');
    }
    return this.get(id);
  }

  /** Changes name, enabled or interval; a feed enabled again starts its failure count afresh (decided in the statement, from the row as it is). */
  async update(id: string, changes: { name?: string; enabled?: boolean; pollEverySeconds?: number | null }): Promise<CapFeed> {
    const updated = await this.q.db
      .updateTable('cap_feeds')
      .set((eb) => {
        const restarted = changes.enabled === true ? eb('cap_feeds.enabled', '=', 0) : sql<boolean>`1 = 0`;
        return {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.enabled !== undefined ? { enabled: toDbBool(changes.enabled) } : {}),
          ...(changes.pollEverySeconds !== undefined ? { poll_every_s: changes.pollEverySeconds } : {}),
          consecutive_failures: eb.case().when(restarted).then(0).else(eb.ref('cap_feeds.consecutive_failures')).end(),
          failing_since: eb.case().when(restarted).then(null).else(eb.ref('cap_feeds.failing_since')).end(),
        };
      })
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw notFound(`CAP feed ${id}`);
    return this.get(id);
  }

  /** The feed goes; the messages met in it stay (without their feed), so none plays again if it is added back. */
  async delete(id: string): Promise<void> {
    const deleted = await this.q.db.deleteFrom('cap_feeds').where('id', '=', id).returning('id').executeTakeFirst();
    if (!deleted) throw notFound(`CAP feed ${id}`);
  }

  /** A poll that answered (200 or 304); validators only when every new entry of the index was taken. */
  async pollSucceeded(id: string, at: number, validators: FeedValidators | null): Promise<void> {
    await this.q.db
      .updateTable('cap_feeds')
      .set({ last_poll_at: at, last_success_at: at, consecutive_failures: 0, failing_since: null, ...(validators ? { etag: validators.etag, last_modified: validators.lastModified } : {}) })
      .where('id', '=', id)
      .execute();
  }

  /** A poll that failed; returns the feed as it now stands. */
  async pollFailed(id: string, at: number, error: string): Promise<CapFeed | null> {
    await this.q.db
      .updateTable('cap_feeds')
      .set((eb) => ({
        last_poll_at: at,
        last_error: error.slice(0, 500),
        last_error_at: at,
        consecutive_failures: eb('cap_feeds.consecutive_failures', '+', 1),
        failing_since: eb.fn.coalesce('cap_feeds.failing_since', eb.val(at)),
      }))
      .where('id', '=', id)
      .execute();
    return this.find(id);
  }
}
