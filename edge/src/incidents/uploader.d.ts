import { type Logger } from '@smart-commune/shared/runtime';
import { type DeviceCredentials } from '../link/device-http.js';
import type { IncidentStore } from './incident-store.js';
export interface UploaderOptions {
    cloudUrl: string;
    credentials: () => DeviceCredentials;
    store: IncidentStore;
    logger: Logger;
    /** How often the queue is looked at when nothing wakes it; default 5 s. */
    intervalMs?: number;
}
/**
 * Sends incident media to the cloud over HTTP with the box's credentials, oldest first, from the
 * store's queue: a failure is retried with backoff (the metadata may not have arrived yet: 409),
 * a file the cloud refuses for good (altered: 422, too large, not a JPEG/MP4) is given up and logged. Survives restarts: the queue is SQLite.
 */
export declare class MediaUploader {
    private readonly options;
    private timer;
    private running;
    private readonly backoff;
    constructor(options: UploaderOptions);
    start(): void;
    /** The link came back (or the box started): deferred uploads go now, not when their backoff ends. */
    retryNow(): void;
    /** Looks at the queue now (after a new file, or when the link comes back); nothing once stopped. */
    wake(): void;
    /** Looks at the queue again in `ms`, after the drain in progress if there is one (it may have passed the file by). */
    private wakeSoon;
    stop(): Promise<void>;
    private drain;
    private upload;
}
//# sourceMappingURL=uploader.d.ts.map