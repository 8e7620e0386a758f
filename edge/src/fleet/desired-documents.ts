import {
  decodeDesired,
  parseEdgeTopic,
  topics,
  type DocumentBody,
  type DocumentName,
  type Reported,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { MqttLink } from '../link/mqtt-link.js';

export type DocumentApplier<D extends DocumentName> = (body: DocumentBody<D>) => void | Promise<void>;

interface StoredDocument {
  version: number;
  body: string;
}

/**
 * Converges on the cloud's desired documents: each version is applied once, stored in SQLite so
 * the box runs on it after a restart without the cloud, and acknowledged on `reported/{doc}`.
 * A document from a newer cloud is read leniently (decodeDesired): what this version does not know
 * is left out and named in the report's `ignored`, and the rest is applied.
 */
export class DesiredDocuments {
  private readonly appliers = new Map<DocumentName, DocumentApplier<DocumentName>>();
  /** Documents whose last apply failed (stored at start, or a new version): the supervisor's health check asks. */
  private readonly failing = new Map<DocumentName, string>();
  private readonly select;
  private readonly upsert;

  constructor(
    db: Db,
    private readonly link: MqttLink,
    private readonly edgeId: string,
    private readonly logger: Logger,
  ) {
    this.select = db.prepare('SELECT version, body FROM documents WHERE doc = ?');
    this.upsert = db.prepare(
      `INSERT INTO documents (doc, version, body, applied_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (doc) DO UPDATE SET version = excluded.version, body = excluded.body, applied_at = excluded.applied_at`,
    );
    link.subscribe(topics.desired(edgeId, '+'), (topic, payload) => void this.onDesired(topic, payload));
  }

  /** Registers how a document is applied, and applies the stored version at once (offline start). */
  async register<D extends DocumentName>(doc: D, applier: DocumentApplier<D>): Promise<void> {
    this.appliers.set(doc, applier as unknown as DocumentApplier<DocumentName>);
    const stored = this.stored(doc);
    if (!stored) return;
    // it applied before: failing now means the box changed (a model file gone); the daemon keeps running
    await Promise.resolve()
      .then(() => applier(JSON.parse(stored.body) as DocumentBody<D>))
      .catch((err: Error) => {
        this.failing.set(doc, err.message);
        this.logger.error({ doc, version: stored.version, err: err.message }, 'the stored document could not be applied at start; waiting for a new version');
      });
  }

  /** Documents not applied right now, with why (empty when every stored and received document applied). */
  unapplied(): { doc: DocumentName; error: string }[] {
    return [...this.failing].map(([doc, error]) => ({ doc, error }));
  }

  appliedVersion(doc: DocumentName): number {
    return this.stored(doc)?.version ?? 0;
  }

  private stored(doc: DocumentName): StoredDocument | undefined {
    return this.select.get(doc) as StoredDocument | undefined;
  }

  private async onDesired(topic: string, payload: Buffer): Promise<void> {
    if (payload.length === 0) return; // a cleared retained document
    const doc = parseEdgeTopic(topic)?.name;
    if (!doc) return this.logger.warn({ topic }, 'desired document rejected: not a document topic');
    if (!this.appliers.has(doc as DocumentName)) {
      // a document of a newer contract: said plainly, and the box runs on
      const error = `this box does not handle document "${doc}"`;
      this.logger.warn({ doc }, 'desired document rejected: unknown document');
      return this.report(doc, { version: 0, status: 'rejected', ts: Date.now(), error });
    }
    const name = doc as DocumentName;
    const decoded = decodeDesired(name, payload);
    if (!decoded.ok) {
      this.logger.warn({ topic, reason: decoded.reason }, 'desired document rejected');
      return this.report(doc, { version: decoded.version, status: 'rejected', ts: Date.now(), error: decoded.reason });
    }
    const { desired, ignored } = decoded;
    const applied = this.appliedVersion(doc as DocumentName);
    if (desired.version <= applied) return this.report(doc, { version: applied, status: 'applied', ts: Date.now() });
    const applier = this.appliers.get(doc as DocumentName)!;
    try {
      await applier(desired.body);
      this.upsert.run(doc, desired.version, JSON.stringify(desired.body), Date.now());
      this.failing.delete(name);
      if (ignored.length) this.logger.warn({ doc, version: desired.version, ignored: ignored.slice(0, 10) }, 'desired document applied without the parts this version does not know');
      else this.logger.info({ doc, version: desired.version }, 'desired document applied');
      await this.report(doc, { version: desired.version, status: 'applied', ts: Date.now(), ...(ignored.length ? { ignored } : {}) });
    } catch (err) {
      this.failing.set(name, (err as Error).message);
      this.logger.error({ doc, version: desired.version, err: (err as Error).message }, 'desired document not applied');
      await this.report(doc, { version: desired.version, status: 'rejected', ts: Date.now(), error: (err as Error).message });
    }
  }

  private async report(doc: string, reported: Reported): Promise<void> {
    await this.link.publish(topics.reported(this.edgeId, doc), JSON.stringify(reported), { qos: 1, retain: true }).catch((err: Error) => {
      this.logger.warn({ doc, err: err.message }, 'reported document not sent');
    });
  }
}
