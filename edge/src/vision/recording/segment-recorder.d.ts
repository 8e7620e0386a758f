import { type Logger } from '@smart-commune/shared/runtime';
import { type RingLimits, type Segment } from './segment-ring.js';
export interface SegmentRecorderOptions {
    cameraId: string;
    /** The camera's stream (rtsp://user:password@host/path); never logged unmasked. */
    url: string;
    /** This camera's own directory (created when missing); segments from an earlier run are kept. */
    dir: string;
    /** Target segment length; a segment always starts on a keyframe, so it lasts at least one GOP. Default 2. */
    segmentSeconds?: number;
    maxMinutes: number;
    maxBytes: number;
    /** See RingLimits: the free-space floor and where segments go ('days' for 24/7 recording). */
    minFreeBytes?: number;
    layout?: RingLimits['layout'];
    logger: Logger;
    /** No segment finished for this long: ffmpeg is killed and started again. Default max(15 s, 4 segments). */
    stallTimeoutMs?: number;
    /** Called (besides the log) each time ffmpeg ends unexpectedly or stalls; the recorder retries on its own. */
    onError?: (error: RecorderError) => void;
}
export interface RecorderStatus {
    state: 'connecting' | 'recording' | 'retrying' | 'stopped';
    /** Times ffmpeg was started again after a failure. */
    restarts: number;
    lastError: string | null;
    segments: number;
    bytes: number;
    /** Wall-clock span of the ring, ms since the epoch; null while empty. */
    fromMs: number | null;
    toMs: number | null;
}
export interface SegmentRecorder {
    readonly cameraId: string;
    /** Finished segments, oldest first (the live array: copy it to keep it). */
    segments(): readonly Segment[];
    bytes(): number;
    status(): RecorderStatus;
    /** Resolves once a finished segment reaches `untilMs`; rejects after `timeoutMs` or on stop(). */
    waitUntilCovered(untilMs: number, timeoutMs: number): Promise<void>;
    /** New bounds and layout for what is kept (the camera's mode or the box's budget changed). */
    setLimits(limits: RingLimits): void;
    /** Ends ffmpeg cleanly (its last segment is kept) and the retries. */
    stop(): Promise<void>;
}
export declare class RecorderError extends Error {
    readonly cameraId: string;
    readonly stderr: readonly string[];
    name: string;
    constructor(message: string, cameraId: string, stderr: readonly string[]);
}
export declare function recorderArgs(url: string, output: string, segmentSeconds: number): string[];
/**
 * Records a camera continuously into a ring of short MPEG-TS segments, copying the video as the camera
 * sends it. ffmpeg reports each finished segment on stdout (`-segment_list pipe:1`); its media times
 * become wall-clock times through a WallClockAnchor. ffmpeg is supervised: when it fails or stalls it
 * is started again with backoff, and nothing is ever thrown out of the recorder.
 */
export declare function startSegmentRecorder(options: SegmentRecorderOptions): SegmentRecorder;
//# sourceMappingURL=segment-recorder.d.ts.map