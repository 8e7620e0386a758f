import type { Logger } from '@smart-commune/shared/runtime';
import type { AssetCache } from './asset-cache.js';
import type { Entry } from './player-entry.js';
export interface ItemPreparerOptions {
    cache: AssetCache;
    /** Cloud time now. */
    now(): number;
    logger?: Logger;
    ffmpegPath?: string;
    decodeAheadMs: number;
    streamLeadMs: number;
    streamPrebufferMs: number;
    retryMs: number;
    /** Whether the entry is still the queued one for its occurrence (it may have been dropped meanwhile). */
    isQueued(e: Entry): boolean;
    /** The queued entries (not the playing one). */
    queuedEntries(): Entry[];
    /** Every entry that holds or is getting audio (queued ones and the playing one). */
    activeEntries(): Entry[];
    /** A preparation ended (ready or not): the player decides again. */
    onSettled(): void;
    stopped(): boolean;
}
/**
 * Gets items ready before their start: assets fetched into the cache and decoded to PCM (shared by
 * sha256 while an item needs it), live relays started and prebuffered.
 */
export declare class ItemPreparer {
    private readonly options;
    private readonly decoded;
    private decodesRunning;
    private prefetching;
    private prefetchAgain;
    constructor(options: ItemPreparerOptions);
    /** When preparation begins: relays a little before their window, assets well ahead. */
    prepareAt(e: Entry): number;
    ready(e: Entry): boolean;
    /** False when it would start one more ffmpeg decode than allowed at once. */
    canStart(e: Entry): boolean;
    prepare(e: Entry): Promise<void>;
    /** Lets go of an entry's audio; decoded PCM is kept while another item still needs it. */
    release(e: Entry): void;
    /** Pins the assets of these entries in the cache and downloads those missing, soonest first. */
    pinAndPrefetch(entries: readonly Entry[]): void;
    private decodeAsset;
}
//# sourceMappingURL=item-preparer.d.ts.map