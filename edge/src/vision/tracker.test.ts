import { beforeAll, describe, expect, it } from 'vitest';
import { Detector, type Detection } from './detector.js';
import { decodeFrames } from './frames.js';
import type { Box } from './geometry.js';
import { CLIP, CLIP_HEIGHT, CLIP_WIDTH, MODEL_DIR } from './testing/media.js';
import { Tracker, type TrackEvent } from './tracker.js';

const WHOLE = [{ x: 0, y: 0, width: CLIP_WIDTH, height: CLIP_HEIGHT }];
const VEHICLES = ['car', 'truck', 'bus'];

function detection(label: string, box: Box, score = 0.8): Detection {
  return { classId: label === 'person' ? 0 : 2, label, score, box };
}

/** The van parks at about (652, 42), 73 x 57. */
const isVan = (box: Box) => Math.abs(box.x - 652) < 20 && Math.abs(box.y - 42) < 20;

describe('Tracker on the real clip', () => {
  const frames: Array<{ timeMs: number; detections: Detection[] }> = [];
  const events: TrackEvent[] = [];
  const lifetimes = new Map<number, { label: string; first: number; last: number }>();

  beforeAll(async () => {
    const detector = await Detector.load({ modelDir: MODEL_DIR, input: '416x416' });
    for await (const frame of decodeFrames(CLIP, { width: CLIP_WIDTH, height: CLIP_HEIGHT, fps: 10, pixelFormat: 'bgr24', startTimeMs: 0 })) {
      frames.push({ timeMs: frame.timeMs, detections: await detector.detect(frame) });
    }
    await detector.close();
    const tracker = new Tracker({ fps: 10 });
    for (const { timeMs, detections } of frames) {
      events.push(...tracker.update(detections, timeMs, WHOLE));
      for (const t of tracker.tracks) {
        if (!t.confirmed || t.lastSeenMs !== timeMs) continue;
        const life = lifetimes.get(t.id) ?? { label: t.label, first: timeMs, last: timeMs };
        life.last = timeMs;
        lifetimes.set(t.id, life);
      }
    }
  }, 120_000);

  it('reports each track once, after half a second of hits', () => {
    const news = events.filter((e) => e.type === 'new');
    expect(new Set(news.map((e) => e.track.id)).size).toBe(news.length);
    expect(news.every((e) => e.track.lastSeenMs - e.track.firstSeenMs === 400)).toBe(true); // 5 hits at 10 fps
    const people = news.filter((e) => e.track.label === 'person').length;
    expect(people).toBeGreaterThanOrEqual(7);
    expect(people).toBeLessThanOrEqual(16); // about 8 pedestrians, some crossing each other
  });

  it('keeps ids across frames: people are followed for seconds', () => {
    const followed = [...lifetimes.values()].filter((l) => l.label === 'person' && l.last - l.first >= 5000);
    expect(followed.length).toBeGreaterThanOrEqual(5);
  });

  it('follows the parked van as one object that turns stationary and never alerts again', () => {
    const vanNews = events.filter((e) => e.type === 'new' && isVan(e.track.box));
    expect(vanNews).toHaveLength(1);
    const id = vanNews[0]!.track.id;
    expect(VEHICLES).toContain(vanNews[0]!.track.label);
    const stationary = events.filter((e) => e.type === 'stationary' && e.track.id === id);
    expect(stationary).toHaveLength(1);
    expect(stationary[0]!.track.lastSeenMs).toBeGreaterThanOrEqual(10_000);
    expect(events.filter((e) => e.track.id === id).map((e) => e.type)).toEqual(['new', 'stationary']);
    expect(lifetimes.get(id)!.last).toBe(19_900);
  });

  it('reports the parked car once as well', () => {
    const cars = events.filter((e) => e.type === 'new' && Math.abs(e.track.box.x - 732) < 20 && Math.abs(e.track.box.y - 51) < 20);
    expect(cars).toHaveLength(1);
    expect(events.filter((e) => e.type === 'stationary' && e.track.id === cars[0]!.track.id)).toHaveLength(1);
  });

  it('at 5 fps (every other frame) still reports the van once and people about once each', () => {
    const tracker = new Tracker({ fps: 5 });
    const at5: TrackEvent[] = [];
    frames.filter((_, i) => i % 2 === 0).forEach(({ timeMs, detections }) => at5.push(...tracker.update(detections, timeMs, WHOLE)));
    expect(at5.filter((e) => e.type === 'new' && isVan(e.track.box))).toHaveLength(1);
    const people = at5.filter((e) => e.type === 'new' && e.track.label === 'person').length;
    expect(people).toBeLessThanOrEqual(16);
  });
});

describe('Tracker rules', () => {
  const box = (x: number): Box => ({ x, y: 100, width: 40, height: 80 });

  it('confirms after minHits consecutive hits and forgets an unconfirmed miss', () => {
    const tracker = new Tracker({ fps: 10, minHits: 3 });
    expect(tracker.update([detection('person', box(0))], 0, WHOLE)).toEqual([]);
    expect(tracker.update([detection('person', box(2))], 100, WHOLE)).toEqual([]);
    expect(tracker.update([], 200, WHOLE)).toEqual([]);
    expect(tracker.tracks).toHaveLength(0);
    tracker.update([detection('person', box(0))], 300, WHOLE);
    tracker.update([detection('person', box(2))], 400, WHOLE);
    const [event] = tracker.update([detection('person', box(4))], 500, WHOLE);
    expect(event).toMatchObject({ type: 'new', track: { label: 'person', confirmed: true, firstSeenMs: 300 } });
  });

  it('drops a confirmed track after maxMissed frames looked at, not while it is outside the regions', () => {
    const tracker = new Tracker({ fps: 10, minHits: 1, maxMissed: 3 });
    tracker.update([detection('person', box(0))], 0, WHOLE);
    const elsewhere = [{ x: 400, y: 0, width: 100, height: 100 }];
    for (let i = 1; i <= 10; i++) expect(tracker.update([], i * 100, elsewhere)).toEqual([]);
    expect(tracker.tracks).toHaveLength(1);
    expect(tracker.update([], 1100, WHOLE)).toEqual([]);
    expect(tracker.update([], 1200, WHOLE)).toEqual([]);
    expect(tracker.update([], 1300, WHOLE)).toEqual([]);
    expect(tracker.update([], 1400, WHOLE).map((e) => e.type)).toEqual(['end']);
    expect(tracker.tracks).toHaveLength(0);
  });

  it('follows a fast walker whose boxes barely overlap from frame to frame', () => {
    const tracker = new Tracker({ fps: 5, minHits: 1 });
    const ids = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const events = tracker.update([detection('person', { x: i * 30, y: 100, width: 40, height: 80 })], i * 200, WHOLE);
      events.forEach((e) => ids.add(e.track.id));
    }
    expect(ids.size).toBe(1); // consecutive boxes overlap by IoU 0.14 only: matching goes by distance and velocity
    expect(tracker.tracks).toHaveLength(1);
  });

  it('keeps one track for a vehicle seen as car and truck at once, or in turn', () => {
    const tracker = new Tracker({ fps: 10, minHits: 1 });
    const van = { x: 650, y: 40, width: 74, height: 58 };
    const first = tracker.update([detection('truck', van, 0.76), detection('car', { ...van, x: 651 }, 0.6)], 0, WHOLE);
    expect(first.map((e) => e.type)).toEqual(['new']);
    expect(tracker.update([detection('car', van, 0.5)], 100, WHOLE)).toEqual([]);
    expect(tracker.tracks).toHaveLength(1);
    expect(tracker.tracks[0]!.label).toBe('truck');
  });

  it('keeps a stationary object through a long occlusion without a new alert', () => {
    const tracker = new Tracker({ fps: 10, minHits: 1 });
    const car = { x: 100, y: 100, width: 80, height: 50 };
    const types: string[] = [];
    for (let i = 0; i <= 110; i++) types.push(...tracker.update([detection('car', car)], i * 100, WHOLE).map((e) => e.type));
    expect(types).toEqual(['new', 'stationary']);
    for (let i = 111; i <= 180; i++) types.push(...tracker.update([], i * 100, WHOLE).map((e) => e.type)); // 7 s hidden
    types.push(...tracker.update([detection('car', car)], 18_100, WHOLE).map((e) => e.type));
    expect(types).toEqual(['new', 'stationary']);
    expect(tracker.tracks).toHaveLength(1);
  });

  it('says when a stationary object moves again', () => {
    const tracker = new Tracker({ fps: 1, minHits: 1, stationarySeconds: 2 });
    const types = [0, 1, 2, 3].flatMap((i) => tracker.update([detection('car', box(0))], i * 1000, WHOLE).map((e) => e.type));
    types.push(...tracker.update([detection('car', box(30))], 4000, WHOLE).map((e) => e.type));
    expect(types).toEqual(['new', 'stationary', 'moving']);
  });
});
