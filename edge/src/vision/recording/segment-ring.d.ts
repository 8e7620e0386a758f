import type { Logger } from '@smart-commune/shared/runtime';
/**
 * One finished piece of recording: MPEG-TS, video copied from the camera, times in ms since the epoch.
 * These facts are all a cut needs and are kept, never probed again: the times come from ffmpeg's
 * segment list, and every segment opens on a keyframe (the segment muxer cuts only there, and ffmpeg
 * drops a copied stream's packets before its first keyframe), so a clip can always start at a segment.
 */
export interface Segment {
    path: string;
    startMs: number;
    endMs: number;
    bytes: number;
}
export interface RingLimits {
    /** Segments that ended longer ago than this are deleted. */
    maxMinutes: number;
    /** The oldest segments are deleted while the ring holds more than this. */
    maxBytes: number;
    /**
     * The oldest segments are also deleted while the filesystem has less free space than this, so that
     * recording never fills the disk whatever else is on it (default 0: no floor).
     */
    minFreeBytes?: number;
    /**
     * 'flat': all segments in `dir` (the short ring for events). 'days': each in a directory of its day
     * (`{dir}/2026-12-06/…`, Vietnam's calendar day), for 24/7 recording kept by days. Either way the
     * ring finds the segments of both layouts again, so switching a camera's mode keeps what it holds.
     */
    layout?: 'flat' | 'days';
}
export declare const segmentName: (startMs: number, endMs: number) => string;
export declare const recordingDay: (ms: number) => string;
/**
 * The finished segments in a camera's directory (both layouts), oldest first, read without touching
 * anything: for answering footage requests beside a live recorder, or for a camera not recording now.
 */
export declare function listSegments(dir: string): Segment[];
/**
 * A camera's finished segments on disk, oldest first, bounded by age, bytes and the disk's free space.
 * The names carry the wall-clock times (`{startMs}-{endMs}.ts`), so a restarted daemon finds its ring again.
 */
export declare class SegmentRing {
    readonly dir: string;
    private readonly logger;
    private readonly list;
    private total;
    private limits;
    constructor(dir: string, limits: RingLimits, logger: Logger);
    segments(): readonly Segment[];
    bytes(): number;
    /** New limits (the camera's mode or the box's budget changed): applied at once. */
    setLimits(limits: RingLimits, nowMs?: number): void;
    /** Where a segment of these times belongs (its day directory is created when needed). */
    pathFor(startMs: number, endMs: number): string;
    add(segment: Segment, nowMs?: number): void;
    private scan;
    private insert;
    private evict;
    /** Bytes missing to reach the free-space floor (≤ 0: none missing). */
    private diskShortBy;
    private removeEmptyDay;
}
//# sourceMappingURL=segment-ring.d.ts.map