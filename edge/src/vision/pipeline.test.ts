import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from './detector.js';
import { decodeFrames } from './frames.js';
import type { Frame } from './frame.js';
import { MotionDetector } from './motion.js';
import { newCounters, runPipeline, type PipelineCounters, type PipelineEvent, type PipelineOptions } from './pipeline.js';
import { RuleEngine, type Rule, type RuleHit } from './rules.js';
import { AFTERNOON_MS, CLIP, CLIP_HEIGHT, CLIP_WIDTH, FRAME_10S, MODEL_DIR, NIGHT_MS, WALKWAY } from './testing/media.js';
import { Tracker } from './tracker.js';
import { ZonePresence } from './zones.js';

const PEOPLE_ON_WALKWAY: Rule = { id: 'people-walkway', zone: 'walkway', classes: ['person'] };
const RULES: Rule[] = [
  PEOPLE_ON_WALKWAY,
  { id: 'vehicles-walkway', zone: 'walkway', classes: ['car', 'truck', 'bus'] },
  { id: 'vehicles', classes: ['car', 'truck', 'bus'] },
  { id: 'people-at-night', zone: 'walkway', classes: ['person'], windows: [{ start: '22:00', end: '05:00' }] },
  { id: 'loitering', zone: 'walkway', classes: ['person'], minDwellSeconds: 5 },
  { id: 'cooldown', zone: 'walkway', classes: ['person'], cooldownSeconds: 60 },
];

let detector: Detector;
beforeAll(async () => {
  detector = await Detector.load({ modelDir: MODEL_DIR, input: '416x416' });
});

interface Run {
  events: PipelineEvent[];
  /** Per rule hit, checked while it was handled: its frame and track are those of the hit. */
  hitFramesMatch: boolean[];
  /** Per rule hit: its best shot is the track's best score, from a frame of the track, copied. */
  bestShotsMatch: boolean[];
  hits: RuleHit[];
  counters: PipelineCounters;
}

async function run(source: string, options: { fps: number; startTimeMs: number; rules?: Rule[] } & Partial<Omit<PipelineOptions, 'rules'>>): Promise<Run> {
  const { fps, startTimeMs, rules = RULES, ...rest } = options;
  const counters = newCounters();
  const frames = decodeFrames(source, { width: CLIP_WIDTH, height: CLIP_HEIGHT, fps, pixelFormat: 'bgr24', startTimeMs, heldFrames: 1 });
  const events: PipelineEvent[] = [];
  const hitFramesMatch: boolean[] = [];
  const bestShotsMatch: boolean[] = [];
  const pipeline = runPipeline(frames, {
    camera: 'cam1',
    detector,
    motion: new MotionDetector(),
    tracker: new Tracker({ fps }),
    zones: new ZonePresence([{ id: 'walkway', polygon: WALKWAY }]),
    rules: new RuleEngine(rules),
    counters,
    ...rest,
  });
  for await (const event of pipeline) {
    events.push(event);
    if (event.type === 'rule-hit') {
      const { frame, track, hit, best } = event;
      hitFramesMatch.push(frame.timeMs === hit.timeMs && frame.data.length === CLIP_WIDTH * CLIP_HEIGHT * 3 && track.id === hit.trackId && track.lastSeenMs <= hit.timeMs);
      // the snapshot's picture: the track's best-scoring frame up to the hit, copied out of the decoder's buffers
      bestShotsMatch.push(best.score === track.bestScore && best.frame.timeMs <= hit.timeMs && best.frame.timeMs >= track.firstSeenMs && best.frame.data !== frame.data && best.frame.data.length === frame.data.length);
    }
  }
  const hits = events.flatMap((e) => (e.type === 'rule-hit' ? [e.hit] : []));
  return { events, hits, hitFramesMatch, bestShotsMatch, counters };
}

const hitsOf = (r: Run, ruleId: string) => r.hits.filter((h) => h.ruleId === ruleId);

describe('runPipeline on the real clip, in the afternoon', () => {
  let afternoon: Run;
  beforeAll(async () => {
    afternoon = await run(CLIP, { fps: 10, startTimeMs: AFTERNOON_MS });
  }, 180_000);

  it('runs the model only where and when things move, and counts it', () => {
    const { frames, inferences, skippedFrames, detections } = afternoon.counters;
    expect(frames).toBe(200);
    expect(skippedFrames).toBeGreaterThanOrEqual(1); // the first frame only sets the motion background
    expect(inferences).toBeGreaterThanOrEqual(frames - skippedFrames);
    expect(inferences).toBeGreaterThan(150);
    expect(detections).toBeGreaterThan(inferences);
  });

  it('reports people on the walkway, once per person track', () => {
    const hits = hitsOf(afternoon, 'people-walkway');
    expect(hits.length).toBeGreaterThanOrEqual(5);
    expect(new Set(hits.map((h) => h.trackId)).size).toBe(hits.length);
    expect(hits.every((h) => h.label === 'person' && h.zone === 'walkway' && h.camera === 'cam1' && h.bestScore >= 0.4)).toBe(true);
    expect(hits.every((h) => h.startMs >= AFTERNOON_MS && h.timeMs >= h.startMs)).toBe(true);
    expect(afternoon.hitFramesMatch.length).toBe(afternoon.hits.length);
    expect(afternoon.hitFramesMatch.every(Boolean)).toBe(true);
    expect(afternoon.bestShotsMatch).toHaveLength(afternoon.hits.length);
    expect(afternoon.bestShotsMatch.every(Boolean)).toBe(true);
    const reported = new Set(afternoon.events.flatMap((e) => (e.type === 'track-new' ? [e.track.id] : [])));
    expect(hits.every((h) => reported.has(h.trackId))).toBe(true);
  });

  it('leaves the parked van and car alone on the walkway, and reports each vehicle once anywhere', () => {
    expect(hitsOf(afternoon, 'vehicles-walkway')).toEqual([]);
    const vehicles = hitsOf(afternoon, 'vehicles');
    expect(vehicles.length).toBeGreaterThanOrEqual(1);
    expect(vehicles.length).toBeLessThanOrEqual(2);
    const stationary = afternoon.events.filter((e) => e.type === 'track-stationary' && ['car', 'truck'].includes(e.track.label));
    expect(stationary.length).toBeGreaterThanOrEqual(1);
  });

  it('stays quiet outside its time window (22:00-05:00)', () => {
    expect(hitsOf(afternoon, 'people-at-night')).toEqual([]);
  });

  it('waits for the dwell time before reporting loitering', () => {
    const loitering = hitsOf(afternoon, 'loitering');
    expect(loitering.length).toBeGreaterThanOrEqual(1);
    expect(loitering.length).toBeLessThan(hitsOf(afternoon, 'people-walkway').length);
    expect(loitering.every((h) => h.timeMs - h.startMs >= 5000)).toBe(true);
  });

  it('reports once within its cooldown', () => {
    expect(hitsOf(afternoon, 'cooldown')).toHaveLength(1);
  });
});

describe('runPipeline on the real clip, other settings', () => {
  it('reports people at night with the night rule', async () => {
    const night = await run(CLIP, { fps: 5, startTimeMs: NIGHT_MS, rules: [RULES[3]!] });
    expect(hitsOf(night, 'people-at-night').length).toBeGreaterThanOrEqual(5);
  }, 180_000);

  it('ignores people standing in an object mask', async () => {
    const masked = await run(CLIP, { fps: 5, startTimeMs: AFTERNOON_MS, rules: [PEOPLE_ON_WALKWAY, RULES[2]!], objectMasks: [WALKWAY] });
    expect(hitsOf(masked, 'people-walkway')).toEqual([]);
    expect(hitsOf(masked, 'vehicles').length).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('refuses a rule on a zone the camera does not have', async () => {
    const rules = [{ id: 'gate', zone: 'gate' }];
    await expect(run(CLIP, { fps: 5, startTimeMs: AFTERNOON_MS, rules })).rejects.toThrow(/rule gate needs zone gate, which camera cam1 does not have/);
    // a rule of another camera may name that camera's zones
    const none = (async function* (): AsyncGenerator<Frame> {})();
    const options = { camera: 'cam1', detector, motion: new MotionDetector(), tracker: new Tracker({ fps: 5 }), rules: new RuleEngine([{ ...rules[0]!, camera: 'cam2' }]) };
    await expect(runPipeline(none, options).next()).resolves.toEqual({ done: true, value: undefined });
  });
});

describe('runPipeline on a static scene', () => {
  let still: string;
  beforeAll(() => {
    still = join(mkdtempSync(join(tmpdir(), 'sc-still-')), 'still.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-i', FRAME_10S, '-t', '5', '-r', '10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', still]);
  });

  it('never runs the model and reports nothing', async () => {
    const { counters, events } = await run(still, { fps: 10, startTimeMs: AFTERNOON_MS });
    expect(counters).toEqual({ frames: 50, inferences: 0, skippedFrames: 50, detections: 0 });
    expect(events).toEqual([]);
  });

  it('runs the model on every frame when forced, finding the scene’s objects', async () => {
    const { counters, events } = await run(still, { fps: 10, startTimeMs: AFTERNOON_MS, forceInference: true });
    expect(counters).toMatchObject({ frames: 50, inferences: 50, skippedFrames: 0 });
    expect(events.filter((e) => e.type === 'track-new').length).toBeGreaterThanOrEqual(7);
  }, 120_000);
});
