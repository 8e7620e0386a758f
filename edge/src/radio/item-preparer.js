import { decodeFile, LiveDecoder } from './decode.js';
import { SAMPLE_RATE } from './pcm.js';
/** Asset decodes running at once (ffmpeg processes), soonest item first. */
const MAX_DECODES = 2;
/**
 * Gets items ready before their start: assets fetched into the cache and decoded to PCM (shared by
 * sha256 while an item needs it), live relays started and prebuffered.
 */
export class ItemPreparer {
    options;
    decoded = new Map();
    decodesRunning = 0;
    prefetching = null;
    prefetchAgain = false;
    constructor(options) {
        this.options = options;
    }
    /** When preparation begins: relays a little before their window, assets well ahead. */
    prepareAt(e) {
        return e.item.startAt - (e.item.source.kind === 'stream' ? this.options.streamLeadMs : this.options.decodeAheadMs);
    }
    ready(e) {
        if (e.item.source.kind === 'stream')
            return e.live !== null && !e.preparing && e.live.bufferedBytes > 0;
        return e.pcm !== null;
    }
    /** False when it would start one more ffmpeg decode than allowed at once. */
    canStart(e) {
        const source = e.item.source;
        return source.kind !== 'asset' || this.decodesRunning < MAX_DECODES || this.decoded.has(source.asset.sha256);
    }
    async prepare(e) {
        e.preparing = true;
        e.problem = null;
        const source = e.item.source;
        try {
            if (source.kind === 'asset') {
                const pcm = await this.decodeAsset(source.asset);
                if (this.options.isQueued(e))
                    e.pcm = pcm;
            }
            else if (source.kind === 'stream') {
                const live = new LiveDecoder(source.url, { ffmpegPath: this.options.ffmpegPath });
                e.live = live;
                const bytes = Math.ceil((this.options.streamPrebufferMs / 1000) * SAMPLE_RATE) * 2;
                const ok = await live.waitFor(bytes, Math.max(this.options.streamLeadMs, 5000));
                if (!ok) {
                    const why = live.error ?? 'no audio';
                    live.close();
                    if (e.live === live)
                        e.live = null;
                    throw new Error(`relay ${source.url}: ${why}`);
                }
                if (!this.options.isQueued(e))
                    live.close();
            }
        }
        catch (err) {
            e.problem = err.message;
            e.retryAt = this.options.now() + (source.kind === 'stream' ? 2000 : this.options.retryMs);
            this.options.logger?.warn({ occurrenceId: e.item.occurrenceId, err: e.problem }, 'item not ready');
        }
        finally {
            e.preparing = false;
        }
        this.options.onSettled();
    }
    /** Lets go of an entry's audio; decoded PCM is kept while another item still needs it. */
    release(e) {
        if (e.item.source.kind !== 'pcm')
            e.pcm = null;
        e.live?.close();
        e.live = null;
        const needed = new Set();
        for (const x of this.options.activeEntries()) {
            if (x !== e && x.item.source.kind === 'asset' && (x.pcm || x.preparing))
                needed.add(x.item.source.asset.sha256);
        }
        for (const sha of this.decoded.keys())
            if (!needed.has(sha))
                this.decoded.delete(sha);
    }
    /** Pins the assets of these entries in the cache and downloads those missing, soonest first. */
    pinAndPrefetch(entries) {
        const assets = [...entries]
            .sort((a, b) => a.item.startAt - b.item.startAt)
            .flatMap((e) => (e.item.source.kind === 'asset' ? [e.item.source.asset] : []));
        this.options.cache.pin(assets.map((a) => a.sha256));
        if (this.prefetching) {
            this.prefetchAgain = true;
            return;
        }
        this.prefetching = this.options.cache
            .prefetch(assets)
            .then((r) => {
            if (r.failed.length)
                this.options.logger?.warn({ failed: r.failed }, 'assets not downloaded yet');
        })
            .finally(() => {
            this.prefetching = null;
            if (this.prefetchAgain && !this.options.stopped()) {
                this.prefetchAgain = false;
                this.pinAndPrefetch(this.options.queuedEntries());
            }
        });
    }
    decodeAsset(asset) {
        let pcm = this.decoded.get(asset.sha256);
        if (!pcm) {
            this.decodesRunning++;
            pcm = (async () => {
                const { cache } = this.options;
                let path = cache.path(asset.sha256);
                if (path && !(await cache.verify(asset.sha256)))
                    path = null;
                path ??= await cache.fetch(asset);
                return decodeFile(path, this.options.ffmpegPath);
            })().finally(() => this.decodesRunning--);
            this.decoded.set(asset.sha256, pcm);
            pcm.catch(() => this.decoded.delete(asset.sha256));
        }
        return pcm;
    }
}
//# sourceMappingURL=item-preparer.js.map