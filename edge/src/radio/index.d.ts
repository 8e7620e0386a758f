export { RadioPlayer, type RadioPlayerOptions, type PlayerStatus, type QueueItem } from './player.js';
export { AssetCache, AssetIntegrityError, type AssetCacheOptions, type PrefetchResult } from './asset-cache.js';
export { FileJournal, MemoryJournal, type PlaybackJournal, type OccurrenceRecord, type AlertRecord } from './journal.js';
export { playTestTone, sineTone, type TestToneOptions } from './test-tone.js';
export { alertOccurrences, alertTargetsEdge, type EdgeIdentity } from './alerts.js';
export { compareRanked, preempts, latenessLimitMs, DEFAULT_LATENESS, type LatenessLimits } from './queue.js';
export { decodeFile, LiveDecoder, DecodeError } from './decode.js';
export { applyGain, trimmedPcmSha256, SAMPLE_RATE, FRAME_MS, FRAME_BYTES } from './pcm.js';
export type { PlayerClock } from './timing.js';
export * from './drivers/index.js';
export { createEdgeRadio, type EdgeRadio, type EdgeRadioOptions } from './service.js';
//# sourceMappingURL=index.d.ts.map