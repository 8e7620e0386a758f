import { createHash } from 'node:crypto';
/** The player's one internal format: signed 16-bit little-endian, 48 kHz, mono. */
export const SAMPLE_RATE = 48_000;
export const BYTES_PER_SAMPLE = 2;
/** 10 ms per frame: one RTP packet, one pacing step. */
export const FRAME_MS = 10;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
export const FRAME_BYTES = FRAME_SAMPLES * BYTES_PER_SAMPLE;
export const pcmDurationMs = (bytes) => (bytes / BYTES_PER_SAMPLE / SAMPLE_RATE) * 1000;
export const framesIn = (bytes) => Math.ceil(bytes / FRAME_BYTES);
/**
 * Software volume: gain = zone/100 × item/100. At 100 × 100 the very same buffer is returned, so the
 * samples leave bit-exact; otherwise each sample is scaled, rounded and clamped.
 */
export function applyGain(pcm, zoneVolume, itemVolume) {
    if (zoneVolume >= 100 && itemVolume >= 100)
        return pcm;
    const gain = (Math.max(0, zoneVolume) / 100) * (Math.max(0, itemVolume) / 100);
    const out = Buffer.allocUnsafe(pcm.length - (pcm.length % 2));
    if (gain === 0)
        return out.fill(0);
    for (let i = 0; i < out.length; i += 2) {
        const v = Math.round(pcm.readInt16LE(i) * gain);
        out.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i);
    }
    return out;
}
/** Byte range [start, end) from the first to the last non-zero sample; null when all silent. */
export function nonSilentRange(pcm) {
    const n = pcm.length - (pcm.length % 2);
    let start = -1;
    for (let i = 0; i < n; i += 2) {
        if (pcm.readInt16LE(i) !== 0) {
            start = i;
            break;
        }
    }
    if (start < 0)
        return null;
    let end = n;
    for (let i = n - 2; i >= start; i -= 2) {
        if (pcm.readInt16LE(i) !== 0) {
            end = i + 2;
            break;
        }
    }
    return { start, end };
}
/**
 * sha256 of the PCM from its first to its last non-silent sample: what a speaker that records what it
 * hears can compare, whatever silence the transport added around it. Empty input hashes as "".
 */
export function trimmedPcmSha256(pcm) {
    const range = nonSilentRange(pcm);
    return createHash('sha256')
        .update(range ? pcm.subarray(range.start, range.end) : Buffer.alloc(0))
        .digest('hex');
}
/** s16le → s16be (RTP L16 is network byte order), into a new buffer. */
export function toBigEndian(pcm) {
    const even = pcm.length - (pcm.length % 2);
    const out = Buffer.from(pcm.subarray(0, even));
    out.swap16();
    return out;
}
//# sourceMappingURL=pcm.js.map