import type { Logger } from '@smart-commune/shared/runtime';
import type { AssetCache } from './asset-cache.js';
import { decodeFile, LiveDecoder } from './decode.js';
import { SAMPLE_RATE } from './pcm.js';
import type { Entry } from './player-entry.js';
import type { LiveStream } from './live/live-stream.js';

/** Asset decodes running at once (ffmpeg processes), soonest item first. */
const MAX_DECODES = 2;

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
  /** Opens a live session's stream for an entry (the player knows the clock and the credentials); null when this box has no cloud to fetch from. */
  openLive(e: Entry): LiveStream | null;
}

/**
 * Gets items ready before their start: assets fetched into the cache and decoded to PCM (shared by
 * sha256 while an item needs it), live relays started and prebuffered.
 */
export class ItemPreparer {
  private readonly decoded = new Map<string, Promise<Buffer>>();
  private decodesRunning = 0;
  private prefetching: Promise<void> | null = null;
  private prefetchAgain = false;

  constructor(private readonly options: ItemPreparerOptions) {}

  /** When preparation begins: relays a little before their window, assets well ahead. */
  prepareAt(e: Entry): number {
    const kind = e.item.source.kind;
    return e.item.startAt - (kind === 'stream' || kind === 'live' ? this.options.streamLeadMs : this.options.decodeAheadMs);
  }

  ready(e: Entry): boolean {
    if (e.item.source.kind === 'stream') return e.live !== null && !e.preparing && e.live.bufferedBytes > 0;
    if (e.item.source.kind === 'live') return e.liveStream !== null && !e.preparing;
    return e.pcm !== null;
  }

  /** False when it would start one more ffmpeg decode than allowed at once. */
  canStart(e: Entry): boolean {
    const source = e.item.source;
    return source.kind !== 'asset' || this.decodesRunning < MAX_DECODES || this.decoded.has(source.asset.sha256);
  }

  async prepare(e: Entry): Promise<void> {
    e.preparing = true;
    e.problem = null;
    const source = e.item.source;
    try {
      if (source.kind === 'asset') {
        const pcm = await this.decodeAsset(source.asset);
        if (this.options.isQueued(e)) e.pcm = pcm;
      } else if (source.kind === 'stream') {
        const live = new LiveDecoder(source.url, { ffmpegPath: this.options.ffmpegPath });
        e.live = live;
        const bytes = Math.ceil((this.options.streamPrebufferMs / 1000) * SAMPLE_RATE) * 2;
        const ok = await live.waitFor(bytes, Math.max(this.options.streamLeadMs, 5000));
        if (!ok) {
          const why = live.error ?? 'no audio';
          live.close();
          if (e.live === live) e.live = null;
          throw new Error(`relay ${source.url}: ${why}`);
        }
        if (!this.options.isQueued(e)) live.close();
      } else if (source.kind === 'live') {
        // audio to play comes from the cloud's clock: ready once the stream answers with audio
        const stream = this.options.openLive(e);
        if (!stream) throw new Error('no cloud URL to fetch the live stream from');
        e.liveStream = stream;
        if (!(await stream.ready(5000))) {
          const why = stream.error ?? 'no audio from the cloud within 5 s';
          stream.close();
          if (e.liveStream === stream) e.liveStream = null;
          throw new Error(`live session ${source.sessionId}: ${why}`);
        }
        if (!this.options.isQueued(e)) stream.close();
      }
    } catch (err) {
      e.problem = (err as Error).message;
      e.retryAt = this.options.now() + (source.kind === 'stream' || source.kind === 'live' ? 2000 : this.options.retryMs);
      this.options.logger?.warn({ occurrenceId: e.item.occurrenceId, err: e.problem }, 'item not ready');
    } finally {
      e.preparing = false;
    }
    this.options.onSettled();
  }

  /** Lets go of an entry's audio; decoded PCM is kept while another item still needs it. */
  release(e: Entry): void {
    if (e.item.source.kind !== 'pcm') e.pcm = null;
    e.live?.close();
    e.live = null;
    e.liveStream?.close();
    e.liveStream = null;
    const needed = new Set<string>();
    for (const x of this.options.activeEntries()) {
      if (x !== e && x.item.source.kind === 'asset' && (x.pcm || x.preparing)) needed.add(x.item.source.asset.sha256);
    }
    for (const sha of this.decoded.keys()) if (!needed.has(sha)) this.decoded.delete(sha);
  }

  /** Pins the assets of these entries in the cache and downloads those missing, soonest first. */
  pinAndPrefetch(entries: readonly Entry[]): void {
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
        if (r.failed.length) this.options.logger?.warn({ failed: r.failed }, 'assets not downloaded yet');
      })
      .finally(() => {
        this.prefetching = null;
        if (this.prefetchAgain && !this.options.stopped()) {
          this.prefetchAgain = false;
          this.pinAndPrefetch(this.options.queuedEntries());
        }
      });
  }

  private decodeAsset(asset: { sha256: string; bytes: number }): Promise<Buffer> {
    let pcm = this.decoded.get(asset.sha256);
    if (!pcm) {
      this.decodesRunning++;
      pcm = (async () => {
        const { cache } = this.options;
        let path = cache.path(asset.sha256);
        if (path && !(await cache.verify(asset.sha256))) path = null;
        path ??= await cache.fetch(asset);
        return decodeFile(path, this.options.ffmpegPath);
      })().finally(() => this.decodesRunning--);
      this.decoded.set(asset.sha256, pcm);
      pcm.catch(() => this.decoded.delete(asset.sha256));
    }
    return pcm;
  }
}
