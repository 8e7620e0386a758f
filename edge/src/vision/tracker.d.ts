import { type Box } from './geometry.js';
import type { Detection } from './detector.js';
export interface TrackerOptions {
    /** Frames per second of what is fed in; sets the defaults below. */
    fps: number;
    /** Consecutive detections before an object counts (and is reported); default half the fps, at least 1. */
    minHits?: number;
    /** Frames looked at without seeing the object before it is dropped; default 5 x fps. */
    maxMissed?: number;
    /** The same for stationary objects, which passers-by hide for a while; default 20 x fps. */
    stationaryMaxMissed?: number;
    /** Farthest a detection's centre may be from where a track is predicted, in box sizes (√(w·h)), to match; default 1. */
    matchDistance?: number;
    /** An unmatched detection overlapping a box matched this frame this much is the same object again (a van seen as car and truck); default 0.5. */
    duplicateIou?: number;
    /** Seconds without significant movement before an object is stationary; default 10. */
    stationarySeconds?: number;
    /** Below this IoU with where it last stood, an object has moved; default 0.6. */
    movedIou?: number;
    /** Classes that may match each other, as a detector can hesitate between them; default car, truck and bus. */
    matchGroups?: readonly (readonly string[])[];
}
export interface Track {
    id: number;
    /** Label and class of the best detection so far. */
    label: string;
    classId: number;
    box: Box;
    score: number;
    bestScore: number;
    confirmed: boolean;
    stationary: boolean;
    firstSeenMs: number;
    lastSeenMs: number;
}
/** new: confirmed (once per track); stationary / moving: stopped for stationarySeconds / moved again; end: dropped. */
export interface TrackEvent {
    type: 'new' | 'stationary' | 'moving' | 'end';
    track: Track;
}
/**
 * Gives each object an id across frames: greedy matching within a class (or class group), nearest
 * first, of detections to where each track is predicted to be (constant velocity). Objects outside the areas the model looked at are neither
 * matched nor aged, so a parked car kept out of inference by motion gating is not lost.
 */
export declare class Tracker {
    private readonly states;
    private readonly groups;
    private nextId;
    private readonly minHits;
    private readonly maxMissed;
    private readonly stationaryMaxMissed;
    private readonly matchDistance;
    private readonly duplicateIou;
    private readonly stationaryMs;
    private readonly movedIou;
    constructor(options: TrackerOptions);
    /** Tracks being followed (confirmed or not), as they are now. */
    get tracks(): readonly Track[];
    /**
     * Feeds the detections of one frame. `looked` lists where the model ran (the whole frame or
     * regions); tracks outside them are left alone. Returns what changed, as snapshots.
     */
    update(detections: readonly Detection[], timeMs: number, looked: readonly Box[]): TrackEvent[];
    private hit;
    private create;
    private isLookedAt;
    private groupOf;
}
//# sourceMappingURL=tracker.d.ts.map