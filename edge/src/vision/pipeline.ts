import { BestShots, type BestShot } from './best-shot.js';
import type { Detection, Detector } from './detector.js';
import type { Frame } from './frame.js';
import type { Box, Polygon } from './geometry.js';
import type { MotionDetector } from './motion.js';
import { regionsForMotion, type RegionOptions } from './regions.js';
import type { RuleEngine, RuleHit } from './rules.js';
import type { Track, Tracker } from './tracker.js';
import { isMasked, type ZonePresence } from './zones.js';

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

export type PipelineEvent =
  | { type: 'track-new' | 'track-stationary' | 'track-moving' | 'track-end'; camera: string; timeMs: number; track: Track }
  /**
   * `frame` is the picture the hit was decided on: valid only while the event is handled (see
   * runPipeline). `best` is the track's clearest picture so far (a copy), for the snapshot.
   */
  | { type: 'rule-hit'; camera: string; timeMs: number; hit: RuleHit; track: Track; frame: Frame; best: BestShot };

export function newCounters(): PipelineCounters {
  return { frames: 0, inferences: 0, skippedFrames: 0, detections: 0 };
}

interface InFlight {
  frame: Frame;
  regions: Box[];
  detections: Promise<Detection[][]>;
}

/**
 * decode → motion → inference on the regions that moved → tracking → zones and rules, for one
 * camera. Frame N+1 is prepared (motion, letterbox) while the model runs on frame N, so a frame's
 * events come one frame late: rule hits carry frame N, so the source must keep a frame valid one
 * frame longer (decodeFrames' `heldFrames: 1`).
 */
export async function* runPipeline(frames: AsyncIterable<Frame>, options: PipelineOptions): AsyncGenerator<PipelineEvent> {
  const counters = options.counters ?? newCounters();
  const { width: modelWidth, height: modelHeight } = options.detector.info;
  const regionOptions: RegionOptions = { ...options.regions, modelWidth, modelHeight };
  const zoneIds = new Set(options.zones?.zones.map((z) => z.id));
  for (const rule of options.rules?.rules ?? []) {
    if (rule.camera !== undefined && rule.camera !== options.camera) continue;
    if (rule.zone !== undefined && !zoneIds.has(rule.zone)) throw new RangeError(`rule ${rule.id} needs zone ${rule.zone}, which camera ${options.camera} does not have`);
  }
  const shots = new BestShots();
  let previous: InFlight | undefined;
  for await (const frame of frames) {
    if (frame.pixelFormat !== 'bgr24') throw new RangeError(`the pipeline needs bgr24 frames, got ${frame.pixelFormat}`);
    counters.frames++;
    const motion = options.motion.detect(frame);
    const regions = options.forceInference ? [{ x: 0, y: 0, width: frame.width, height: frame.height }] : regionsForMotion(motion.boxes, frame.width, frame.height, regionOptions);
    if (regions.length === 0) counters.skippedFrames++;
    counters.inferences += regions.length;
    const detections = Promise.all(regions.map((region) => options.detector.detect(frame, { region })));
    detections.catch(() => undefined); // awaited below; until then a failure must not count as unhandled
    const current: InFlight = { frame, regions, detections };
    if (previous) yield* finish(previous, await previous.detections, options, counters, shots);
    previous = current;
  }
  if (previous) yield* finish(previous, await previous.detections, options, counters, shots);
}

function finish(inFlight: InFlight, found: Detection[][], options: PipelineOptions, counters: PipelineCounters, shots: BestShots): PipelineEvent[] {
  const { camera, tracker, zones, rules, objectMasks = [] } = options;
  const { frame } = inFlight;
  const { timeMs, width, height } = frame;
  const detections = found.length === 1 ? found[0]! : found.flat();
  const kept = objectMasks.length ? detections.filter((d) => !isMasked(d.box, width, height, objectMasks)) : detections;
  counters.detections += kept.length;
  const events: PipelineEvent[] = [];
  for (const { type, track } of tracker.update(kept, timeMs, inFlight.regions)) {
    events.push({ type: `track-${type}`, camera, timeMs, track });
    if (type === 'end') {
      zones?.forget(track.id);
      rules?.forget(camera, track.id);
    }
  }
  shots.update(frame, tracker.tracks);
  if (zones && kept.length) zones.update(tracker.tracks.filter((t) => t.confirmed && t.lastSeenMs === timeMs), width, height, timeMs);
  if (rules) {
    const enteredAt = zones ? zones.enteredAt.bind(zones) : () => undefined;
    for (const hit of rules.evaluate(camera, timeMs, tracker.tracks, enteredAt)) {
      const track = tracker.tracks.find((t) => t.id === hit.trackId)!;
      const best = shots.get(track.id) ?? { frame: { ...frame, data: Buffer.from(frame.data) }, box: { ...track.box }, score: track.score };
      events.push({ type: 'rule-hit', camera, timeMs, hit, track: { ...track, box: { ...track.box } }, frame, best });
    }
  }
  return events;
}
