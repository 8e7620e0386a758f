import { EvidenceItems } from './evidence.js';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { DeviceCredentials } from '../link/device-http.js';
import type { Outbox } from '../outbox/outbox.js';
import { IncidentStore } from './incident-store.js';
import { EdgeIncidents } from './incidents.js';
import { type IncidentRetention } from './retention.js';
import { MediaUploader } from './uploader.js';
export { EdgeIncidents, type ClipPlan, type ClipWriter, type IncidentHit } from './incidents.js';
export { IncidentStore, type StoredIncident } from './incident-store.js';
export type { IncidentRetention } from './retention.js';
export interface EdgeIncidentsOptions {
    db: Db;
    outbox: Outbox;
    /** Media goes to `{dataDir}/incidents/{day}/`. */
    dataDir: string;
    cloudUrl: string;
    credentials: () => DeviceCredentials;
    logger: Logger;
}
/** Incidents on the box: creation, the upload queue and retention, with one lifecycle. */
export declare function createEdgeIncidents(options: EdgeIncidentsOptions): {
    incidents: EdgeIncidents;
    /** Footage asked by time becomes evidence items through the same store, outbox and uploader. */
    evidence: EvidenceItems;
    store: IncidentStore;
    uploader: MediaUploader;
    start(): void;
    setRetention(limits: IncidentRetention): void;
    stop(clipWaitMs: number): Promise<void>;
};
export type EdgeIncidentsHandle = ReturnType<typeof createEdgeIncidents>;
//# sourceMappingURL=index.d.ts.map