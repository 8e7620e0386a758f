import { type BackoffOptions } from '@smart-commune/shared/runtime';
import { type DeviceCredentials } from '../link/device-http.js';
/** Why a download gave up for good (a retry would fail the same way); link cuts are retried instead. */
export declare class DownloadRefused extends Error {
    name: string;
}
export interface DownloadOptions {
    /** Full URL of the bundle. */
    url: string;
    /** Where the bytes go; a file already there is taken as the start of the same bundle and resumed. */
    file: string;
    bytes: number;
    sha256: string;
    credentials: () => DeviceCredentials;
    /** Free bytes the file system must have, beyond what is left to download, before starting: the unpack needs room too. */
    reserveBytes: number;
    signal: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    backoff?: BackoffOptions;
    /** Test only: how each request's body is read (to cut the link mid-way). */
    fetch?: typeof fetch;
}
/** Free bytes for an unprivileged process on the file system holding `path`. */
export declare function freeBytes(path: string): number;
/**
 * Downloads a bundle in the background with the box's own credentials, resuming with HTTP Range after a
 * link cut (however many), never writing more than `bytes`, and refusing to start when the disk lacks room
 * for it and its unpacking. Resolves once the whole file is there with the expected sha256.
 */
export declare function downloadBundle(options: DownloadOptions): Promise<void>;
//# sourceMappingURL=download.d.ts.map