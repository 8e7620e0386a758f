import { type DocumentBody, type DocumentName } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { MqttLink } from '../link/mqtt-link.js';
export type DocumentApplier<D extends DocumentName> = (body: DocumentBody<D>) => void | Promise<void>;
/**
 * Converges on the cloud's desired documents: each version is applied once, stored in SQLite so
 * the box runs on it after a restart without the cloud, and acknowledged on `reported/{doc}`.
 */
export declare class DesiredDocuments {
    private readonly link;
    private readonly edgeId;
    private readonly logger;
    private readonly appliers;
    /** Documents whose last apply failed (stored at start, or a new version): the supervisor's health check asks. */
    private readonly failing;
    private readonly select;
    private readonly upsert;
    constructor(db: Db, link: MqttLink, edgeId: string, logger: Logger);
    /** Registers how a document is applied, and applies the stored version at once (offline start). */
    register<D extends DocumentName>(doc: D, applier: DocumentApplier<D>): Promise<void>;
    /** Documents not applied right now, with why (empty when every stored and received document applied). */
    unapplied(): {
        doc: DocumentName;
        error: string;
    }[];
    appliedVersion(doc: DocumentName): number;
    private stored;
    private onDesired;
    private report;
}
//# sourceMappingURL=desired-documents.d.ts.map