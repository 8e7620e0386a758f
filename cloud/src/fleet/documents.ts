import { gateDocument, topics, type FeatureLookups, type DocumentBody, type DocumentName, type IgnoredPart, type Reported, type Withheld } from '@smart-commune/shared';
import type { Kysely, Selectable } from 'kysely';
import type { BrokerLink } from '../broker/link.js';
import type { QueryDatabase } from '../db/query/index.js';
import { publishNewest, raiseDocumentVersion, type DocumentVersion } from '../db/query/fleet-queries.js';
import type { Database, DocumentsTable } from '../db/query/tables.js';
import { BoxChains } from './box-chains.js';
import type { EdgeContracts } from './edge-contracts.js';

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

/** Where versions are stored: the database, or a transaction other writes share (a plan publish). */
export type DocumentWriter = Kysely<Database>;

/** Versions stored (in a transaction not yet committed, perhaps) and the publishing to do once they are. */
export interface StoredDocuments<D extends DocumentName> {
  states: DocumentState<D>[];
  /** Publishes every stored version, retained; call it after the transaction committed, never inside. */
  publish(): Promise<void>;
}

const AS_IS: DocumentCodec = { seal: (_doc, body) => body, open: (_doc, body) => body };

/**
 * Versioned desired-state documents per edge: stored here, published retained, acknowledged by
 * `reported/{doc}`. What is stored is what the cloud wants; what is published is what the box's
 * contract lets it take (gateDocument): parts needing a feature the box did not announce are left
 * out and recorded as `withheld`, and sent in a new version once it announces the feature.
 *
 * On the query layer, correct with several cloud processes: a version is raised by one upsert
 * (fleet-queries.ts) that writes its `withheld` in the same statement; publishing goes through one
 * chain per box in this process, so its publishes never go back in version (v2 is not sent after
 * v3), and publishNewest re-reads after each publish, so the retained message ends on the newest
 * version whichever process stored it.
 */
export class Documents {
  private readonly chains = new BoxChains();
  /** The newest version this process published per box and document: an older one is not sent after it. */
  private readonly published = new Map<string, number>();

  constructor(
    private readonly q: QueryDatabase,
    private readonly broker: BrokerLink,
    private readonly codec: DocumentCodec = AS_IS,
    private readonly contracts: Pick<EdgeContracts, 'of'> | null = null,
    /** Which parts need which feature; the contract's table unless a test gives a later revision's. */
    private readonly lookups?: FeatureLookups,
  ) {}

  async get<D extends DocumentName>(edgeId: string, doc: D): Promise<DocumentState<D> | null> {
    const row = await this.q.db.selectFrom('documents').selectAll().where('edge_id', '=', edgeId).where('doc', '=', doc).executeTakeFirst();
    return row ? this.toState<D>(row) : null;
  }

  /** Every document of one box, in name order (its compatibility view). */
  async listForEdge(edgeId: string): Promise<DocumentState<DocumentName>[]> {
    const rows = await this.q.db.selectFrom('documents').selectAll().where('edge_id', '=', edgeId).orderBy('doc').execute();
    return rows.map((row) => this.toState(row));
  }

  /** One document of every box that has it (one query: a plan run compares hundreds of boxes' plans). */
  async listOf<D extends DocumentName>(doc: D): Promise<{ edgeId: string; state: DocumentState<D> }[]> {
    const rows = await this.q.db.selectFrom('documents').selectAll().where('doc', '=', doc).execute();
    return rows.map((row) => ({ edgeId: row.edge_id, state: this.toState<D>(row) }));
  }

  /** Stores the next version and publishes it retained, so an offline edge catches up when it reconnects. */
  async set<D extends DocumentName>(edgeId: string, doc: D, body: DocumentBody<D>): Promise<DocumentState<D>> {
    // stored inside the box's chain: the order of versions is the order of publishes
    return this.chains.run(edgeId, async () => {
      const stored = await this.store(this.q.db, edgeId, doc, body, Date.now());
      await this.publishStored(edgeId, doc, stored.version);
      return stored.state;
    });
  }

  /**
   * `set` for many boxes at once (a province-wide programme changes hundreds of plans): every new
   * version is stored in one transaction, then each is published; one box's messages stay in order.
   */
  async setMany<D extends DocumentName>(doc: D, bodies: readonly { edgeId: string; body: DocumentBody<D> }[]): Promise<DocumentState<D>[]> {
    const stored = await this.q.db.transaction().execute((trx) => this.storeMany(doc, bodies, trx));
    await stored.publish();
    return stored.states;
  }

  /**
   * Stores the next version of each box's document through `writer` (a transaction the caller
   * commits with its own writes) and returns them with the publishing to do after the commit.
   */
  async storeMany<D extends DocumentName>(
    doc: D,
    bodies: readonly { edgeId: string; body: DocumentBody<D> }[],
    writer: DocumentWriter,
  ): Promise<StoredDocuments<D>> {
    const issuedAt = Date.now();
    const stored: { edgeId: string; version: DocumentVersion; state: DocumentState<D> }[] = [];
    // one statement per box, in sequence: a transaction runs on one connection
    for (const { edgeId, body } of bodies) stored.push({ edgeId, ...(await this.store(writer, edgeId, doc, body, issuedAt)) });
    return {
      states: stored.map((s) => s.state),
      publish: async () => {
        await Promise.all(stored.map((s) => this.chains.run(s.edgeId, () => this.publishStored(s.edgeId, doc, s.version))));
      },
    };
  }

  async onReported(edgeId: string, doc: string, reported: Reported): Promise<void> {
    await this.q.db
      .updateTable('documents')
      .set({
        reported_version: reported.version,
        reported_status: reported.status,
        reported_error: reported.error ?? null,
        reported_at: reported.ts,
        reported_ignored: JSON.stringify(reported.ignored ?? []),
      })
      .where('edge_id', '=', edgeId)
      .where('doc', '=', doc)
      // ordered by the box's own time, not by arrival: with several cloud processes two reports of a
      // box may be stored by two of them, the older one last
      .where((eb) => eb.or([eb('reported_at', 'is', null), eb('reported_at', '<=', reported.ts)]))
      .execute();
  }

  /**
   * After the box announced another contract: each document whose withheld parts change under it
   * is published again as a new version (the box applies only versions newer than its own), so an
   * updated box gets what was left out and a rolled-back one loses what it cannot take. The new
   * version is raised only over the version the decision was made on (`WHERE version = …`): one
   * raised meanwhile was gated by whoever stored it.
   */
  async regate(edgeId: string): Promise<DocumentName[]> {
    return this.chains.run(edgeId, async () => {
      const changed: DocumentName[] = [];
      const contract = (await this.contracts?.of(edgeId)) ?? null;
      for (const state of await this.listForEdge(edgeId)) {
        const now = gateDocument(state.doc, state.body, contract, this.lookups).withheld;
        if (JSON.stringify(now) === JSON.stringify(state.withheld)) continue;
        const raised = await this.q.db
          .updateTable('documents')
          .set((eb) => ({ version: eb('documents.version', '+', 1), issued_at: Date.now(), withheld: JSON.stringify(now) }))
          .where('edge_id', '=', edgeId)
          .where('doc', '=', state.doc)
          .where('version', '=', state.version)
          .returning(['version', 'body', 'issued_at'])
          .executeTakeFirst();
        if (!raised) continue;
        await this.publishStored(edgeId, state.doc, { version: raised.version, body: raised.body, issuedAt: raised.issued_at });
        changed.push(state.doc);
      }
      return changed;
    });
  }

  /** The embedded broker keeps retained messages in memory only: after a restart the cloud publishes them again. */
  async republishAll(): Promise<number> {
    const rows = await this.q.db
      .selectFrom('documents as d')
      .innerJoin('edges as e', 'e.id', 'd.edge_id')
      .select(['d.edge_id', 'd.doc', 'd.version', 'd.body', 'd.issued_at'])
      .where('e.status', '=', 'active')
      .execute();
    await Promise.all(rows.map((r) => this.chains.run(r.edge_id, () => this.publishStored(r.edge_id, r.doc as DocumentName, { version: r.version, body: r.body, issuedAt: r.issued_at }, true))));
    return rows.length;
  }

  /** Publishes every stored document of one edge again (after it was claimed anew). */
  async republishEdge(edgeId: string): Promise<void> {
    const rows = await this.q.db.selectFrom('documents').select(['doc', 'version', 'body', 'issued_at']).where('edge_id', '=', edgeId).execute();
    await this.chains.run(edgeId, async () => {
      for (const r of rows) await this.publishStored(edgeId, r.doc as DocumentName, { version: r.version, body: r.body, issuedAt: r.issued_at }, true);
    });
  }

  /** Clears an edge's retained documents (when it is revoked or deleted), after whatever its chain still publishes. */
  async clear(edgeId: string, docs: readonly DocumentName[]): Promise<void> {
    await this.chains.run(edgeId, async () => {
      for (const doc of docs) await this.broker.publish(topics.desired(edgeId, doc), '', { qos: 1, retain: true });
    });
  }

  /** Resolves when every publish under way has ended (at stop, before the broker and database close). */
  settled(): Promise<void> {
    return this.chains.settled();
  }

  /** Stores the next version of one box's document, with what its contract withholds of it. */
  private async store<D extends DocumentName>(writer: DocumentWriter, edgeId: string, doc: D, body: DocumentBody<D>, issuedAt: number) {
    // read through the writer: inside a transaction, every statement must use it
    const contract = (await this.contracts?.of(edgeId, writer)) ?? null;
    const withheld = gateDocument(doc, body, contract, this.lookups).withheld;
    const version = await raiseDocumentVersion({ db: writer }, edgeId, doc, JSON.stringify(this.codec.seal(doc, body)), issuedAt, JSON.stringify(withheld));
    // the stored row: what the box last reported of this document is kept across versions
    return { version, state: { ...this.toState<D>(version.row), body } };
  }

  /**
   * Publishes a stored version (run in the box's chain) unless this process already published a
   * newer one, then whatever newer version another writer stored meanwhile (publishNewest).
   * `record`: the version was stored without knowing the box's contract of now (a republish), so
   * what is withheld is written again, for that version only.
   */
  private async publishStored(edgeId: string, doc: DocumentName, mine: DocumentVersion, record = false): Promise<void> {
    const key = `${edgeId}\u0000${doc}`;
    if ((this.published.get(key) ?? 0) > mine.version) return;
    const contract = (await this.contracts?.of(edgeId)) ?? null;
    const newest = await publishNewest(this.q, edgeId, doc, mine, async (version) => {
      const payload = await this.payload(edgeId, doc, version, contract, record);
      await this.broker.publish(topics.desired(edgeId, doc), payload, { qos: 1, retain: true });
    });
    if (newest > (this.published.get(key) ?? 0)) this.published.set(key, newest);
  }

  /** The payload of a version as the box's contract lets it take it; `record`: writes what was left out, on that version's row only. */
  private async payload(edgeId: string, doc: DocumentName, version: DocumentVersion, contract: Awaited<ReturnType<EdgeContracts['of']>>, record: boolean): Promise<string> {
    const body = this.codec.open(doc, JSON.parse(version.body)) as DocumentBody<DocumentName>;
    const gated = gateDocument(doc, body, contract, this.lookups);
    if (record) {
      await this.q.db
        .updateTable('documents')
        .set({ withheld: JSON.stringify(gated.withheld) })
        .where('edge_id', '=', edgeId)
        .where('doc', '=', doc)
        .where('version', '=', version.version)
        .execute();
    }
    // a document the box would not know at all is not sent; a retained copy from before a rollback is cleared
    return gated.body === null ? '' : JSON.stringify({ version: version.version, issuedAt: version.issuedAt, body: gated.body });
  }

  private toState<D extends DocumentName>(row: DocumentRow): DocumentState<D> {
    const doc = row.doc as D;
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
}
