import type { AudioAsset } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { type DeviceCredentials } from '../link/device-http.js';
export interface AssetCacheOptions {
    /** Directory of the cache, e.g. `{dataDir}/radio/assets`; created when missing. */
    dir: string;
    /** Base URL of the cloud: assets are `GET {cloudUrl}/api/v1/assets/{sha256}`. */
    cloudUrl: string;
    /** HTTP Basic credentials, read at each request (they may be rotated). */
    credentials: () => DeviceCredentials;
    /** Size cap (RadioSettings.cacheBytes); changeable with setMaxBytes(). */
    maxBytes?: number;
    /** A download that receives nothing for this long is aborted (its partial file stays for a resume). */
    idleTimeoutMs?: number;
    logger?: Logger;
}
/** A download whose content does not hash to its name: the file is deleted. */
export declare class AssetIntegrityError extends Error {
    name: string;
}
export interface PrefetchResult {
    cached: string[];
    failed: Array<{
        sha256: string;
        error: string;
    }>;
}
/**
 * Content-addressed audio on the box's disk. Downloads resume from a partial file (Range), are
 * verified against their sha256, and the cache stays under its size cap by evicting the least
 * recently used files, never one the current plan needs (pinned) nor one being downloaded.
 */
export declare class AssetCache {
    private readonly options;
    private maxBytes;
    private pinned;
    private readonly inFlight;
    constructor(options: AssetCacheOptions);
    get dir(): string;
    setMaxBytes(bytes: number): void;
    /** The assets the current plan needs: never evicted. Replaces the previous set. */
    pin(sha256s: Iterable<string>): void;
    has(sha256: string): boolean;
    /** Path of the complete, verified file; null when it is not (yet) cached. Marks it recently used. */
    path(sha256: string): string | null;
    /** Bytes on disk, partial downloads included. */
    usage(): {
        bytes: number;
        files: number;
    };
    /** Re-hashes a cached file; a corrupt one is deleted. */
    verify(sha256: string): Promise<boolean>;
    /** The asset's path, downloading it first when needed. Concurrent calls share one download. */
    fetch(asset: Pick<AudioAsset, 'sha256' | 'bytes'>): Promise<string>;
    /** Downloads what is missing, one at a time in the given order (the plan's order: soonest first). */
    prefetch(assets: Iterable<Pick<AudioAsset, 'sha256' | 'bytes'>>): Promise<PrefetchResult>;
    private finalPath;
    private partPath;
    private listFiles;
    /** Deletes least recently used files (partial ones first) until `incoming` more bytes fit under the cap. */
    private evict;
    private download;
}
//# sourceMappingURL=asset-cache.d.ts.map