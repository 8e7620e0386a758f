import type { IncidentEvent, IncidentMediaKind, IncidentMediaRef, MediaFile } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
export type ClipState = 'recording' | 'written' | 'none';
export interface StoredIncident {
    id: string;
    cameraId: string;
    body: IncidentEvent;
    snapshotPath: string | null;
    clipPath: string | null;
    clipState: ClipState;
    createdAt: number;
}
/** A file still to upload: the incident's metadata names its hash, so the cloud can verify it. */
export interface PendingUpload {
    incidentId: string;
    kind: IncidentMediaKind;
    /** An object's picture or a later clip part (a row of incident_files); absent for the item's own snapshot and clip. */
    ref?: IncidentMediaRef;
    path: string;
    file: MediaFile;
}
/** The box's record of its incidents: what was reported, where the media is, what the cloud already has. */
export declare class IncidentStore {
    private readonly db;
    constructor(db: Db);
    insert(body: IncidentEvent, snapshotPath: string | null, clipState: ClipState, now?: number): void;
    get(id: string): StoredIncident | undefined;
    /** The clip is written (or will never be): the new facts replace the old. */
    finishClip(id: string, body: IncidentEvent, clipPath: string | null): void;
    /** An item's current state (it changed, or a clip part was written); its first part is `clipPath`. */
    saveItem(id: string, body: IncidentEvent, clipPath: string | null, clipState: ClipState): void;
    /** A file of an item beyond its own snapshot and first part: an object's best picture or a later clip part. */
    addFile(id: string, ref: IncidentMediaRef, kind: IncidentMediaKind, path: string, file: MediaFile, now?: number): void;
    /** Incidents whose post-capture was cut short (the daemon stopped or crashed meanwhile). */
    recording(): StoredIncident[];
    pendingUploads(now: number, limit?: number): PendingUpload[];
    markUploaded(id: string, kind: IncidentMediaKind, now?: number, ref?: IncidentMediaRef): void;
    deferUpload(id: string, error: string, retryAt: number, ref?: IncidentMediaRef): void;
    /** The cloud is reachable again: every deferred upload may go now. */
    retryAllNow(): void;
    /** A file the cloud refused for good (it no longer matches its hash): it is not offered again. */
    abandonUpload(id: string, kind: IncidentMediaKind, error: string, ref?: IncidentMediaRef): void;
    pendingCount(): number;
    /**
     * An item's other files (objects' pictures, later parts) once the cloud has them, oldest first, and
     * those it lacks: what retention deletes first and last.
     */
    extraFiles(): {
        incidentId: string;
        ref: IncidentMediaRef;
        kind: IncidentMediaKind;
        path: string;
        uploaded: boolean;
        createdAt: number;
    }[];
    /** One of an item's other files is gone from disk (deleted by retention); dropped before upload when `error` says why. */
    forgetExtraFile(id: string, ref: IncidentMediaRef, error?: string): void;
    /** Incidents all of whose media the cloud has, oldest first: what retention may delete. */
    uploadedMedia(): {
        id: string;
        createdAt: number;
        paths: string[];
    }[];
    /** Incidents with a file the cloud does not have yet (recording done), oldest first, each file with whether it was uploaded. */
    mediaAwaitingUpload(): {
        id: string;
        createdAt: number;
        files: {
            kind: IncidentMediaKind;
            path: string;
            uploaded: boolean;
        }[];
    }[];
    /** One file the cloud already has is gone from disk. */
    forgetFile(id: string, kind: IncidentMediaKind): void;
    /** The media files are gone from disk; the record stays (the cloud keeps the evidence). */
    forgetMedia(id: string): void;
}
//# sourceMappingURL=incident-store.d.ts.map