import type { Logger } from '@smart-commune/shared/runtime';
import type { IncidentStore } from './incident-store.js';
export interface IncidentRetention {
    /** Media the cloud has is deleted from the box after this long. */
    maxAgeMs: number;
    /** All incident media on the box stays under this many bytes. */
    maxBytes: number;
}
export interface RetentionOutcome {
    /** Incidents (or single files) whose media the cloud holds, deleted from the box. */
    deleted: number;
    /** Files the cloud never received, deleted because the budget could not hold them. */
    dropped: number;
    bytesKept: number;
}
/**
 * Keeps the box's incident media within its limits. Media the cloud already holds goes first: past
 * the age limit, then oldest first while over the byte budget. Only when that is not enough (the link
 * has been down for long) are files the cloud lacks deleted, oldest first, clips before snapshots
 * (a snapshot is small and shows most); the cloud keeps those incidents without them.
 */
export declare function enforceIncidentRetention(store: IncidentStore, limits: IncidentRetention, logger: Logger, now?: number): RetentionOutcome;
//# sourceMappingURL=retention.d.ts.map