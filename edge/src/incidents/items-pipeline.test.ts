import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../vision/detector.js';
import { decodeFrames } from '../vision/frames.js';
import { MotionDetector } from '../vision/motion.js';
import { runPipeline } from '../vision/pipeline.js';
import { RuleEngine } from '../vision/rules.js';
import { AFTERNOON_MS, CLIP, CLIP_HEIGHT, CLIP_WIDTH, MODEL_DIR, WALKWAY } from '../vision/testing/media.js';
import { Tracker } from '../vision/tracker.js';
import { ZonePresence } from '../vision/zones.js';
import { ReviewGrouper, type GroupChange, type GroupedItem } from './review-grouper.js';

/**
 * The real clip (people walking along a campus walkway, often several at once) through the real
 * pipeline, its rule hits and track events grouped as the box groups them.
 */
describe('review items from the real pipeline on the shared clip', () => {
  const items = new Map<number, GroupedItem>();
  let trackHits = 0;
  let lastMs = 0;
  let grouper: ReviewGrouper;

  beforeAll(async () => {
    const detector = await Detector.load({ modelDir: MODEL_DIR, input: '416x416' });
    grouper = new ReviewGrouper('cam1', { closeAfterSeconds: 10, maxSeconds: 300, floodPerHour: 60 });
    const note = (changes: GroupChange[]) => changes.forEach((c) => items.set(c.item.seq, c.item));
    try {
      const fps = 5;
      const frames = decodeFrames(CLIP, { width: CLIP_WIDTH, height: CLIP_HEIGHT, fps, pixelFormat: 'bgr24', startTimeMs: AFTERNOON_MS, heldFrames: 1 });
      const events = runPipeline(frames, {
        camera: 'cam1',
        detector,
        motion: new MotionDetector(),
        tracker: new Tracker({ fps }),
        zones: new ZonePresence([{ id: 'walkway', polygon: WALKWAY }]),
        rules: new RuleEngine([{ id: 'people-walkway', zone: 'walkway', classes: ['person'] }]),
      });
      for await (const event of events) {
        lastMs = event.timeMs;
        if (event.type === 'rule-hit') {
          trackHits++;
          const { hit } = event;
          note(grouper.hit({ trackId: hit.trackId, label: hit.label, score: hit.bestScore, ruleId: hit.ruleId, zoneId: hit.zone ?? null, severity: 'alert', startMs: hit.startMs, timeMs: hit.timeMs, box: { x: 0, y: 0, width: 0.1, height: 0.1 } }));
        } else if (event.type !== 'track-new') {
          note(grouper.track(event.type === 'track-end' ? 'end' : event.type === 'track-stationary' ? 'stationary' : 'moving', event.track.id, event.timeMs));
        }
      }
    } finally {
      await detector.close();
    }
  }, 180_000);

  it('groups the people who walk by into far fewer items than tracks, several people in one', () => {
    expect(trackHits).toBeGreaterThanOrEqual(4); // the clip has several people on the walkway
    expect(items.size).toBeGreaterThanOrEqual(1);
    expect(items.size).toBeLessThan(trackHits);
    const biggest = Math.max(...[...items.values()].map((i) => i.objects.length));
    expect(biggest).toBeGreaterThanOrEqual(2);
    // every object a rule matched is in exactly one item
    const objects = [...items.values()].flatMap((i) => i.objects.map((o) => o.trackId));
    expect(new Set(objects).size).toBe(objects.length);
    expect(objects.length).toBe(trackHits);
  });

  it('closes once nobody is left for closeAfterSeconds', () => {
    const open = grouper.current;
    if (open) {
      for (const o of open.objects.filter((x) => x.active)) grouper.track('end', o.trackId, lastMs);
      expect(grouper.tick(lastMs + 9_000)).toEqual([]);
      expect(grouper.tick(lastMs + 10_000).map((c) => c.type)).toEqual(['closed']);
    }
    expect(grouper.current).toBeNull();
    expect([...items.values()].every((i) => i.timeline.length >= i.objects.length)).toBe(true);
  });
});
