import { topics, type DocumentBody, type DocumentName, type Reported } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { BrokerLink } from '../broker/link.js';

export interface DocumentState<D extends DocumentName> {
  doc: D;
  version: number;
  body: DocumentBody<D>;
  issuedAt: number;
  reported: { version: number; status: string; error: string | null; at: number } | null;
}

interface DocumentRow {
  doc: string;
  version: number;
  body: string;
  issued_at: number;
  reported_version: number | null;
  reported_status: string | null;
  reported_error: string | null;
  reported_at: number | null;
}

/** Changes a document's body on its way into the database and back (the cameras' passwords are stored encrypted). */
export interface DocumentCodec {
  seal(doc: DocumentName, body: unknown): unknown;
  open(doc: DocumentName, body: unknown): unknown;
}

const AS_IS: DocumentCodec = { seal: (_doc, body) => body, open: (_doc, body) => body };

/** Versioned desired-state documents per edge: stored here, published retained, acknowledged by `reported/{doc}`. */
export class Documents {
  constructor(
    private readonly db: Db,
    private readonly broker: BrokerLink,
    private readonly codec: DocumentCodec = AS_IS,
  ) {}

  get<D extends DocumentName>(edgeId: string, doc: D): DocumentState<D> | null {
    const row = this.db.prepare('SELECT * FROM documents WHERE edge_id = ? AND doc = ?').get(edgeId, doc) as DocumentRow | undefined;
    if (!row) return null;
    return {
      doc,
      version: row.version,
      body: this.codec.open(doc, JSON.parse(row.body)) as DocumentBody<D>,
      issuedAt: row.issued_at,
      reported:
        row.reported_version === null
          ? null
          : { version: row.reported_version, status: row.reported_status ?? 'unknown', error: row.reported_error, at: row.reported_at ?? 0 },
    };
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

  onReported(edgeId: string, doc: string, reported: Reported): void {
    this.db
      .prepare(
        `UPDATE documents SET reported_version = ?, reported_status = ?, reported_error = ?, reported_at = ?
         WHERE edge_id = ? AND doc = ?`,
      )
      .run(reported.version, reported.status, reported.error ?? null, reported.ts, edgeId, doc);
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

  private publish<D extends DocumentName>(edgeId: string, state: DocumentState<D>): Promise<void> {
    const payload = JSON.stringify({ version: state.version, issuedAt: state.issuedAt, body: state.body });
    return this.broker.publish(topics.desired(edgeId, state.doc), payload, { qos: 1, retain: true });
  }
}
