/** The player's one internal format: signed 16-bit little-endian, 48 kHz, mono. */
export declare const SAMPLE_RATE = 48000;
export declare const BYTES_PER_SAMPLE = 2;
/** 10 ms per frame: one RTP packet, one pacing step. */
export declare const FRAME_MS = 10;
export declare const FRAME_SAMPLES: number;
export declare const FRAME_BYTES: number;
export declare const pcmDurationMs: (bytes: number) => number;
export declare const framesIn: (bytes: number) => number;
/**
 * Software volume: gain = zone/100 × item/100. At 100 × 100 the very same buffer is returned, so the
 * samples leave bit-exact; otherwise each sample is scaled, rounded and clamped.
 */
export declare function applyGain(pcm: Buffer, zoneVolume: number, itemVolume: number): Buffer;
/** Byte range [start, end) from the first to the last non-zero sample; null when all silent. */
export declare function nonSilentRange(pcm: Buffer): {
    start: number;
    end: number;
} | null;
/**
 * sha256 of the PCM from its first to its last non-silent sample: what a speaker that records what it
 * hears can compare, whatever silence the transport added around it. Empty input hashes as "".
 */
export declare function trimmedPcmSha256(pcm: Buffer): string;
/** s16le → s16be (RTP L16 is network byte order), into a new buffer. */
export declare function toBigEndian(pcm: Buffer): Buffer;
//# sourceMappingURL=pcm.d.ts.map