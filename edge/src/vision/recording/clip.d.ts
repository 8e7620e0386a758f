import type { SegmentRecorder } from './segment-recorder.js';
import type { Segment } from './segment-ring.js';
export interface ClipRequest {
    /** Wall-clock window, ms since the epoch: typically the event's start − pre-capture to its end + post-capture. */
    fromMs: number;
    toMs: number;
    outPath: string;
    /** How long to wait for the ring to reach `toMs`; default until `toMs` plus 30 s. Then what exists is written. */
    waitTimeoutMs?: number;
}
export interface WrittenClip {
    path: string;
    sha256: string;
    bytes: number;
    /** Presented duration, ms (from the segments' facts). Shorter than asked when the ring does not cover the whole window. */
    durationMs: number;
    /** Wall-clock time of the first presented frame, ms since the epoch. */
    startMs: number;
    /** Parts of the asked window the recording does not hold (before it, gaps, after it); empty when whole. */
    missing: Array<{
        fromMs: number;
        toMs: number;
    }>;
}
/** The ring holds nothing of the asked window, or ffmpeg could not assemble it. */
export declare class ClipError extends Error {
    name: string;
}
/**
 * Writes the recording of [fromMs, toMs] as an MP4 (faststart), copying the video without re-encoding.
 * The cut is planned from the facts the recorder kept for each segment (wall-clock start and end, and
 * that it begins on a keyframe), so it costs one ffmpeg run and no ffprobe: the covering segments are
 * concatenated (ffmpeg's concat demuxer) from the first one's opening keyframe; the frames between it
 * and `fromMs` are kept for decoding and hidden by an MP4 edit list (a negative output offset), and
 * `-t` ends the output at `toMs`. The file appears at `outPath` only when complete (atomic rename),
 * with its sha256 computed from the bytes on disk.
 */
export declare function writeClip(recorder: Pick<SegmentRecorder, 'cameraId' | 'segments' | 'waitUntilCovered'>, request: ClipRequest): Promise<WrittenClip>;
/** Parts of [fromMs, toMs] no segment covers (before the ring, gaps between ffmpeg runs, after it). */
export declare function missingParts(segments: readonly Pick<Segment, 'startMs' | 'endMs'>[], fromMs: number, toMs: number): Array<{
    fromMs: number;
    toMs: number;
}>;
interface CutPlan {
    /** Decoded but not presented: from the first segment's opening keyframe to the asked start. */
    prerollS: number;
    /** Where the output ends, counted from that keyframe in the joined (gapless) timeline. */
    endS: number;
    /** Presented duration, ms. */
    durationMs: number;
    /** Wall-clock time of the first presented frame. */
    startMs: number;
}
/**
 * Wall-clock times → positions in the joined timeline. The concat demuxer plays the segments back to
 * back, so a gap between two of them (ffmpeg restarted) takes no time there: each segment's offset is
 * the sum of the durations before it.
 */
export declare function planCut(segments: readonly Pick<Segment, 'startMs' | 'endMs'>[], fromMs: number, toMs: number): CutPlan;
export {};
//# sourceMappingURL=clip.d.ts.map