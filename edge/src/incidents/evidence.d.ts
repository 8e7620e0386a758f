import { type MediaFile } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { Outbox } from '../outbox/outbox.js';
import type { IncidentStore } from './incident-store.js';
import type { MediaUploader } from './uploader.js';
export interface EvidenceFacts {
    cameraId: string;
    ruleId: string;
    label: string;
    fromMs: number;
    toMs: number;
}
/** Evidence items that no rule raised: footage police asked for by time. */
export declare class EvidenceItems {
    private readonly deps;
    constructor(deps: {
        db: Db;
        store: IncidentStore;
        outbox: Outbox;
        uploader: MediaUploader;
        dir: string;
        logger: Logger;
    });
    /**
     * Evidence asked for by time (footage requests): one closed alert item of the whole range, with no
     * tracking behind it. It is reported at once with its picture, then again with its clip as its only
     * part (or without, and the reason, when the cut fails), through the same store, outbox and uploader
     * as any item, so the cloud verifies, reviews and exports it the same way.
     */
    record(facts: EvidenceFacts, picture: (outPath: string) => Promise<MediaFile>, write: (outPath: string) => Promise<MediaFile & {
        durationMs: number;
        startMs: number;
    }>): Promise<{
        incidentId: string;
        error: Error | null;
    }>;
}
//# sourceMappingURL=evidence.d.ts.map