export { RadioPlayer } from './player.js';
export { AssetCache, AssetIntegrityError } from './asset-cache.js';
export { FileJournal, MemoryJournal } from './journal.js';
export { playTestTone, sineTone } from './test-tone.js';
export { alertOccurrences, alertTargetsEdge } from './alerts.js';
export { compareRanked, preempts, latenessLimitMs, DEFAULT_LATENESS } from './queue.js';
export { decodeFile, LiveDecoder, DecodeError } from './decode.js';
export { applyGain, trimmedPcmSha256, SAMPLE_RATE, FRAME_MS, FRAME_BYTES } from './pcm.js';
export * from './drivers/index.js';
export { createEdgeRadio } from './service.js';
//# sourceMappingURL=index.js.map