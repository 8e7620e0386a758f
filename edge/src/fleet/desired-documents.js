import { decodeEdgeMessage, topics, } from '@smart-commune/shared';
/**
 * Converges on the cloud's desired documents: each version is applied once, stored in SQLite so
 * the box runs on it after a restart without the cloud, and acknowledged on `reported/{doc}`.
 */
export class DesiredDocuments {
    link;
    edgeId;
    logger;
    appliers = new Map();
    /** Documents whose last apply failed (stored at start, or a new version): the supervisor's health check asks. */
    failing = new Map();
    select;
    upsert;
    constructor(db, link, edgeId, logger) {
        this.link = link;
        this.edgeId = edgeId;
        this.logger = logger;
        this.select = db.prepare('SELECT version, body FROM documents WHERE doc = ?');
        this.upsert = db.prepare(`INSERT INTO documents (doc, version, body, applied_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (doc) DO UPDATE SET version = excluded.version, body = excluded.body, applied_at = excluded.applied_at`);
        link.subscribe(topics.desired(edgeId, '+'), (topic, payload) => void this.onDesired(topic, payload));
    }
    /** Registers how a document is applied, and applies the stored version at once (offline start). */
    async register(doc, applier) {
        this.appliers.set(doc, applier);
        const stored = this.stored(doc);
        if (!stored)
            return;
        // it applied before: failing now means the box changed (a model file gone); the daemon keeps running
        await Promise.resolve()
            .then(() => applier(JSON.parse(stored.body)))
            .catch((err) => {
            this.failing.set(doc, err.message);
            this.logger.error({ doc, version: stored.version, err: err.message }, 'the stored document could not be applied at start; waiting for a new version');
        });
    }
    /** Documents not applied right now, with why (empty when every stored and received document applied). */
    unapplied() {
        return [...this.failing].map(([doc, error]) => ({ doc, error }));
    }
    appliedVersion(doc) {
        return this.stored(doc)?.version ?? 0;
    }
    stored(doc) {
        return this.select.get(doc);
    }
    async onDesired(topic, payload) {
        if (payload.length === 0)
            return; // a cleared retained document
        const decoded = decodeEdgeMessage(topic, payload);
        const doc = decoded.topic?.name;
        if (!decoded.ok || !doc) {
            this.logger.warn({ topic, reason: decoded.ok ? 'no document name' : decoded.reason }, 'desired document rejected');
            if (doc)
                await this.report(doc, { version: 0, status: 'rejected', ts: Date.now(), error: decoded.ok ? 'no document name' : decoded.reason });
            return;
        }
        const desired = decoded.message;
        const applied = this.appliedVersion(doc);
        if (desired.version <= applied)
            return this.report(doc, { version: applied, status: 'applied', ts: Date.now() });
        const applier = this.appliers.get(doc);
        try {
            if (!applier)
                throw new Error(`this box does not handle document "${doc}"`);
            await applier(desired.body);
            this.upsert.run(doc, desired.version, JSON.stringify(desired.body), Date.now());
            this.failing.delete(doc);
            this.logger.info({ doc, version: desired.version }, 'desired document applied');
            await this.report(doc, { version: desired.version, status: 'applied', ts: Date.now() });
        }
        catch (err) {
            this.failing.set(doc, err.message);
            this.logger.error({ doc, version: desired.version, err: err.message }, 'desired document not applied');
            await this.report(doc, { version: desired.version, status: 'rejected', ts: Date.now(), error: err.message });
        }
    }
    async report(doc, reported) {
        await this.link.publish(topics.reported(this.edgeId, doc), JSON.stringify(reported), { qos: 1, retain: true }).catch((err) => {
            this.logger.warn({ doc, err: err.message }, 'reported document not sent');
        });
    }
}
//# sourceMappingURL=desired-documents.js.map