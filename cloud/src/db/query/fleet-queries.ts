/**
 * The fleet's concurrency-critical writes in the query layer, correct on PostgreSQL under READ
 * COMMITTED with several cloud processes as well as on SQLite: each is one statement whose
 * condition decides, so no read-then-write window exists. The fleet's stores
 * (fleet/claim-tokens.ts, fleet/edge-events.ts, fleet/documents.ts) are built on these.
 */
import type { Selectable } from 'kysely';
import type { QueryDatabase } from './connect.js';
import type { DocumentsTable } from './tables.js';

export type ClaimOutcome = { ok: true; edgeId: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/**
 * Consumes a claim token: one conditional UPDATE … RETURNING, so of two simultaneous claims exactly
 * one gets the row. When none does, a second read only explains why (unknown, used or expired).
 */
export async function consumeClaimToken({ db }: QueryDatabase, tokenHash: string, now = Date.now()): Promise<ClaimOutcome> {
  const won = await db
    .updateTable('claim_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('edge_id')
    .executeTakeFirst();
  if (won) return { ok: true, edgeId: won.edge_id };
  const row = await db.selectFrom('claim_tokens').select(['used_at', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.used_at !== null ? 'used' : 'expired' };
}

export interface EdgeEventRow {
  eventId: string;
  edgeId: string;
  kind: string;
  ts: number;
  body: unknown;
}

/**
 * Stores an event from a box once by its eventId: INSERT … ON CONFLICT DO NOTHING RETURNING. True
 * only for the one insert that stored it, however many processes receive a resend at once: only
 * that caller publishes it on the domain event bus.
 */
export async function insertEdgeEvent({ db }: QueryDatabase, event: EdgeEventRow, receivedAt = Date.now()): Promise<boolean> {
  const stored = await db
    .insertInto('edge_events')
    .values({ event_id: event.eventId, edge_id: event.edgeId, kind: event.kind, ts: event.ts, received_at: receivedAt, body: JSON.stringify(event.body) })
    .onConflict((oc) => oc.columns(['edge_id', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return stored !== undefined;
}

export interface DocumentVersion {
  version: number;
  body: string;
  issuedAt: number;
}

/** A version as stored, with its whole row (what the box last reported of the document is kept across versions). */
export interface StoredDocumentVersion extends DocumentVersion {
  row: Selectable<DocumentsTable>;
}

/**
 * Stores a box's desired document as its next version and returns what was stored: one upsert
 * whose `version = documents.version + 1` runs under the row's lock, so concurrent writers get
 * distinct, consecutive versions, each the body it wrote. `withheld` (what the box's contract
 * leaves out of this body, as JSON) is written in the same statement, so it always belongs to the
 * version stored with it. `db` may be a transaction's (several documents stored together).
 */
export async function raiseDocumentVersion(
  { db }: Pick<QueryDatabase, 'db'>,
  edgeId: string,
  doc: string,
  body: string,
  issuedAt = Date.now(),
  withheld = '[]',
): Promise<StoredDocumentVersion> {
  const row = await db
    .insertInto('documents')
    .values({ edge_id: edgeId, doc, version: 1, body, issued_at: issuedAt, withheld })
    .onConflict((oc) =>
      oc.columns(['edge_id', 'doc']).doUpdateSet((eb) => ({
        version: eb('documents.version', '+', 1),
        body: eb.ref('excluded.body'),
        issued_at: eb.ref('excluded.issued_at'),
        withheld: eb.ref('excluded.withheld'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { version: row.version, body: row.body, issuedAt: row.issued_at, row };
}

/** The newest stored version of a box's document, or null. */
export async function currentDocument({ db }: Pick<QueryDatabase, 'db'>, edgeId: string, doc: string): Promise<DocumentVersion | null> {
  const row = await db.selectFrom('documents').select(['version', 'body', 'issued_at']).where('edge_id', '=', edgeId).where('doc', '=', doc).executeTakeFirst();
  return row ? { version: row.version, body: row.body, issuedAt: row.issued_at } : null;
}

/**
 * Publishes a raised version (retained) so that the broker ends up holding the newest, whatever
 * order processes' publishes land in: after publishing its own, a writer reads the current version
 * and, if a newer one was stored meanwhile, publishes that too. The last publish is thus always
 * followed by a read that sees the newest; the box applies only versions newer than its own. No
 * transaction is open while publishing.
 */
export async function publishNewest(
  q: Pick<QueryDatabase, 'db'>,
  edgeId: string,
  doc: string,
  mine: DocumentVersion,
  publish: (version: DocumentVersion) => Promise<void>,
): Promise<number> {
  let published = mine;
  await publish(published);
  for (;;) {
    const current = await currentDocument(q, edgeId, doc);
    if (!current || current.version <= published.version) return published.version;
    published = current;
    await publish(published);
  }
}
