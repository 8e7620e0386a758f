import { type BestShot } from './best-shot.js';
import type { Detector } from './detector.js';
import type { Frame } from './frame.js';
import type { Polygon } from './geometry.js';
import type { MotionDetector } from './motion.js';
import { type RegionOptions } from './regions.js';
import type { RuleEngine, RuleHit } from './rules.js';
import type { Track, Tracker } from './tracker.js';
import { type ZonePresence } from './zones.js';
export interface PipelineOptions {
    /** Names the camera in events and rules. */
    camera: string;
    detector: Detector;
    motion: MotionDetector;
    tracker: Tracker;
    zones?: ZonePresence;
    rules?: RuleEngine;
    /** Detections standing (bottom-centre) in these normalised polygons are ignored. */
    objectMasks?: readonly Polygon[];
    regions?: Omit<RegionOptions, 'modelWidth' | 'modelHeight'>;
    /** Run the model on the whole of every frame whatever the motion (benchmarks, diagnostics). */
    forceInference?: boolean;
    /** Filled in as frames go through; pass your own object to read it while the pipeline runs. */
    counters?: PipelineCounters;
}
export interface PipelineCounters {
    frames: number;
    /** Model runs (one per region). */
    inferences: number;
    /** Frames on which the model did not run. */
    skippedFrames: number;
    detections: number;
}
export type PipelineEvent = {
    type: 'track-new' | 'track-stationary' | 'track-moving' | 'track-end';
    camera: string;
    timeMs: number;
    track: Track;
}
/**
 * `frame` is the picture the hit was decided on: valid only while the event is handled (see
 * runPipeline). `best` is the track's clearest picture so far (a copy), for the snapshot.
 */
 | {
    type: 'rule-hit';
    camera: string;
    timeMs: number;
    hit: RuleHit;
    track: Track;
    frame: Frame;
    best: BestShot;
};
export declare function newCounters(): PipelineCounters;
/**
 * decode → motion → inference on the regions that moved → tracking → zones and rules, for one
 * camera. Frame N+1 is prepared (motion, letterbox) while the model runs on frame N, so a frame's
 * events come one frame late: rule hits carry frame N, so the source must keep a frame valid one
 * frame longer (decodeFrames' `heldFrames: 1`).
 */
export declare function runPipeline(frames: AsyncIterable<Frame>, options: PipelineOptions): AsyncGenerator<PipelineEvent>;
//# sourceMappingURL=pipeline.d.ts.map