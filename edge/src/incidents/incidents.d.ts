import { type MediaFile, type ReviewSettings } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { Outbox } from '../outbox/outbox.js';
import type { IncidentStore } from './incident-store.js';
import { type FloodState, type MatchedObject } from './review-grouper.js';
import type { MediaUploader } from './uploader.js';
/** Writes the clip of [fromMs, toMs] from the camera's recording; resolves once the ring covers it. */
export type ClipWriter = (fromMs: number, toMs: number, outPath: string) => Promise<MediaFile & {
    durationMs: number;
    startMs: number;
}>;
export interface ClipPlan {
    write: ClipWriter;
    preCaptureSeconds: number;
    postCaptureSeconds: number;
}
/** A rule matched an object on a camera, with the object's best picture (valid only until `hit` resolves). */
export interface IncidentHit {
    object: MatchedObject;
    review: ReviewSettings;
    /** Renders the object's best picture to `outPath`. */
    picture: (outPath: string) => Promise<MediaFile>;
    /** The camera's recording, or null when it does not record. */
    clip: ClipPlan | null;
}
export interface EdgeIncidentsTiming {
    /** The first clip part is cut this long after the item opened (police see the start soon). */
    firstPartMs: number;
    /** Then a part every this long while the item is open. */
    partEveryMs: number;
    /** How often open items are looked at (close, parts). */
    tickMs: number;
    now(): number;
}
/**
 * Turns a camera's rule hits into review items (see ReviewGrouper) and reports them: the main object's
 * picture and the item go into the store and the outbox in one transaction when it opens; every change
 * (an object joins with its picture, one leaves, a clip part is written, it closes) is sent again under
 * the same incidentId. The clip is cut from the ring in parts while the item lasts, the last after the close.
 */
export declare class EdgeIncidents {
    private readonly deps;
    private readonly cameras;
    private readonly live;
    /** incidentId by camera and grouper number, for `continues`. */
    private readonly ids;
    private readonly work;
    private readonly timing;
    private timer;
    /** After close, parts that finish late are left for recoverInterrupted at the next start. */
    private closed;
    constructor(deps: {
        db: Db;
        store: IncidentStore;
        outbox: Outbox;
        uploader: MediaUploader;
        dir: string;
        logger: Logger;
        timing?: Partial<EdgeIncidentsTiming>;
    });
    private get store();
    /** Looks at open items every tick (closing, parts). */
    start(): void;
    /**
     * Items that were open (or cutting their last part) when the box stopped are closed as they are,
     * at their last activity, with the parts already written: nothing is lost, and the cloud learns they ended.
     */
    recoverInterrupted(): number;
    /** A rule matched an object: it opens the camera's item or joins it. */
    hit(cameraId: string, hit: IncidentHit): Promise<void>;
    /** The tracker's news of an object on a camera: it stopped moving, moved again or is gone. */
    track(cameraId: string, kind: 'stationary' | 'moving' | 'end', trackId: number, timeMs: number): Promise<void>;
    /** The camera's stream was reopened or stopped: the objects followed so far are gone (see ReviewGrouper.reset). */
    streamReset(cameraId: string): Promise<void>;
    /** The camera's flood warning, if it is over its items-per-hour limit, and its items of the last hour (telemetry). */
    activity(cameraId: string): {
        itemsLastHour: number;
        flood: FloodState | null;
    };
    /** Closes items (quiet long enough or at their maximum), cuts parts due. Called by the timer; tests call it. */
    tick(): void;
    /** Waits for parts being cut, at most `timeoutMs`; open items stay open in the store for recoverInterrupted. */
    close(timeoutMs: number): Promise<void>;
    /** Settles what is in flight (tests). */
    settled(): Promise<void>;
    private camera;
    private apply;
    private opened;
    /** A joining object's best picture, an item file of its own. */
    private picture;
    /**
     * An object's best picture at `path`: rendered from the hit, or (an object that joins without a hit:
     * it moved again, or the item continues one that reached its maximum) a copy of the one written for
     * it before, so each item owns its files.
     */
    private objectPicture;
    private render;
    /** The grouper closed the item: its last part covers up to the post-capture after the last activity. */
    private closing;
    private finish;
    /** Cuts [end of the last part (or pre-capture before the first object), toMs] from the ring. */
    private cutPart;
    /** Stores the item's current state and sends it. */
    private save;
    private body;
    private track_;
    private dayDir;
}
//# sourceMappingURL=incidents.d.ts.map