import { gateDocument, topics, type FeatureLookups, type DocumentBody, type DocumentName, type IgnoredPart, type Reported, type Withheld } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { BrokerLink } from '../broker/link.js';
import type { EdgeContracts } from './edge-contracts.js';
import type { Selectable } from 'kysely';
import type { DocumentsTable } from '../db/query/tables.js';

export interface DocumentState<D extends DocumentName> {
  doc: D;
  version: number;
  body: DocumentBody<D>;
  issuedAt: number;
  /** What the box was not sent of this version because its contract lacks a feature (gateDocument). */
  withheld: Withheld[];
  /** `ignored`: what the box left out of the version it applied because it did not know it. */
  reported: { version: number; status: string; error: string | null; at: number; ignored: IgnoredPart[] } | null;
}

type DocumentRow = Selectable<DocumentsTable>;

/** Changes a document's body on its way into the database and back (the cameras' passwords are stored encrypted). */
export interface DocumentCodec {
  seal(doc: DocumentName, body: unknown): unknown;
  open(doc: DocumentName, body: unknown): unknown;
}

const AS_IS: DocumentCodec = { seal: (_doc, body) => body, open: (_doc, body) => body };

/**
 * Versioned desired-state documents per edge: stored here, published retained, acknowledged by
 * `reported/{doc}`. What is stored is what the cloud wants; what is published is what the box's
 * contract lets it take (gateDocument): parts needing a feature the box did not announce are left
 * out and recorded as `withheld`, and sent in a new version once it announces the feature.
 */
export class Documents {
  constructor(
    private readonly db: Db,
    private readonly broker: BrokerLink,
    private readonly codec: DocumentCodec = AS_IS,
    private readonly contracts: Pick<EdgeContracts, 'of'> | null = null,
    /** Which parts need which feature; the contract's table unless a test gives a later revision's. */
    private readonly lookups?: FeatureLookups,
  ) {}

  get<D extends DocumentName>(edgeId: string, doc: D): DocumentState<D> | null {
    const row = this.db.prepare('SELECT * FROM documents WHERE edge_id = ? AND doc = ?').get(edgeId, doc) as DocumentRow | undefined;
    if (!row) return null;
    return {
      doc,
      version: row.version,
      body: this.codec.open(doc, JSON.parse(row.body)) as DocumentBody<D>,
      issuedAt: row.issued_at,
      withheld: JSON.parse(row.withheld) as Withheld[],
      reported:
        row.reported_version === null
          ? null
          : {
              version: row.reported_version,
              status: row.reported_status ?? 'unknown',
              error: row.reported_error,
              at: row.reported_at ?? 0,
              ignored: JSON.parse(row.reported_ignored) as IgnoredPart[],
            },
    };
  }

  /** Every document of one box, in name order (its compatibility view). */
  listForEdge(edgeId: string): DocumentState<DocumentName>[] {
    const docs = this.db.prepare('SELECT doc FROM documents WHERE edge_id = ? ORDER BY doc').pluck().all(edgeId) as DocumentName[];
    return docs.map((doc) => this.get(edgeId, doc)!);
  }

  /** Stores the next version and publishes it retained, so an offline edge catches up when it reconnects. */
  async set<D extends DocumentName>(edgeId: string, doc: D, body: DocumentBody<D>): Promise<DocumentState<D>> {
    const issuedAt = Date.now();
    this.db
      .prepare(
        `INSERT INTO documents (edge_id, doc, version, body, issued_at) VALUES (?, ?, 1, ?, ?)
         ON CONFLICT (edge_id, doc) DO UPDATE SET version = version + 1, body = excluded.body, issued_at = excluded.issued_at`,
      )
      .run(edgeId, doc, JSON.stringify(this.codec.seal(doc, body)), issuedAt);
    const state = this.get(edgeId, doc)!;
    await this.publish(edgeId, state);
    return state;
  }

  /**
   * `set` for many boxes at once (a province-wide programme changes hundreds of plans): every new
   * version is stored in one transaction, then each is published; one box's messages stay in order.
   */
  async setMany<D extends DocumentName>(doc: D, bodies: readonly { edgeId: string; body: DocumentBody<D> }[]): Promise<DocumentState<D>[]> {
    const issuedAt = Date.now();
    const upsert = this.db.prepare(
      `INSERT INTO documents (edge_id, doc, version, body, issued_at) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (edge_id, doc) DO UPDATE SET version = version + 1, body = excluded.body, issued_at = excluded.issued_at`,
    );
    const states = this.db.transaction(() =>
      bodies.map(({ edgeId, body }) => {
        upsert.run(edgeId, doc, JSON.stringify(this.codec.seal(doc, body)), issuedAt);
        const state = this.get(edgeId, doc)!;
        return { edgeId, state, payload: this.gate(edgeId, state) };
      }),
    )();
    await Promise.all(states.map(({ edgeId, payload }) => this.broker.publish(topics.desired(edgeId, doc), payload, { qos: 1, retain: true })));
    return states.map(({ state }) => state);
  }

  onReported(edgeId: string, doc: string, reported: Reported): void {
    this.db
      .prepare(
        `UPDATE documents SET reported_version = ?, reported_status = ?, reported_error = ?, reported_at = ?, reported_ignored = ?
         WHERE edge_id = ? AND doc = ?`,
      )
      .run(reported.version, reported.status, reported.error ?? null, reported.ts, JSON.stringify(reported.ignored ?? []), edgeId, doc);
  }

  /**
   * After the box announced another contract: each document whose withheld parts change under it
   * is published again as a new version (the box applies only versions newer than its own), so an
   * updated box gets what was left out and a rolled-back one loses what it cannot take.
   */
  async regate(edgeId: string): Promise<DocumentName[]> {
    const changed: DocumentName[] = [];
    for (const state of this.listForEdge(edgeId)) {
      const now = gateDocument(state.doc, state.body, this.contracts?.of(edgeId) ?? null, this.lookups).withheld;
      if (JSON.stringify(now) === JSON.stringify(state.withheld)) continue;
      this.db.prepare('UPDATE documents SET version = version + 1, issued_at = ? WHERE edge_id = ? AND doc = ?').run(Date.now(), edgeId, state.doc);
      await this.publish(edgeId, this.get(edgeId, state.doc)!);
      changed.push(state.doc);
    }
    return changed;
  }

  /** The embedded broker keeps retained messages in memory only: after a restart the cloud publishes them again. */
  async republishAll(): Promise<number> {
    const rows = this.db
      .prepare("SELECT d.edge_id, d.doc FROM documents d JOIN edges e ON e.id = d.edge_id WHERE e.status = 'active'")
      .all() as { edge_id: string; doc: DocumentName }[];
    for (const row of rows) await this.publish(row.edge_id, this.get(row.edge_id, row.doc)!);
    return rows.length;
  }

  /** Publishes every stored document of one edge again (after it was claimed anew). */
  async republishEdge(edgeId: string): Promise<void> {
    const docs = this.db.prepare('SELECT doc FROM documents WHERE edge_id = ?').pluck().all(edgeId) as DocumentName[];
    for (const doc of docs) await this.publish(edgeId, this.get(edgeId, doc)!);
  }

  /** Clears an edge's retained documents (when it is revoked or deleted). */
  async clear(edgeId: string, docs: readonly DocumentName[]): Promise<void> {
    for (const doc of docs) await this.broker.publish(topics.desired(edgeId, doc), '', { qos: 1, retain: true });
  }

  /** Publishes the version as the box's contract lets it take it, and records what was left out. */
  private async publish<D extends DocumentName>(edgeId: string, state: DocumentState<D>): Promise<void> {
    await this.broker.publish(topics.desired(edgeId, state.doc), this.gate(edgeId, state), { qos: 1, retain: true });
  }

  /** The payload of the version as the box's contract lets it take it; records what was left out. */
  private gate<D extends DocumentName>(edgeId: string, state: DocumentState<D>): string {
    const gated = gateDocument(state.doc, state.body, this.contracts?.of(edgeId) ?? null, this.lookups);
    this.db.prepare('UPDATE documents SET withheld = ? WHERE edge_id = ? AND doc = ?').run(JSON.stringify(gated.withheld), edgeId, state.doc);
    // a document the box would not know at all is not sent; a retained copy from before a rollback is cleared
    return gated.body === null ? '' : JSON.stringify({ version: state.version, issuedAt: state.issuedAt, body: gated.body });
  }
}
