import { describe, expect, it } from 'vitest';
import { BestShots } from './best-shot.js';
import type { Frame } from './frame.js';
import type { Track } from './tracker.js';

const frame = (timeMs: number, fill: number): Frame => ({ data: Buffer.alloc(12, fill), width: 2, height: 2, pixelFormat: 'bgr24', index: timeMs / 200, timeMs });
const track = (id: number, timeMs: number, score: number, bestScore: number, x = 0): Track => ({
  id, label: 'person', classId: 0, box: { x, y: 0, width: 1, height: 1 }, score, bestScore,
  confirmed: true, stationary: false, firstSeenMs: 0, lastSeenMs: timeMs,
});

describe('BestShots', () => {
  it('keeps each track at the frame where it scored best, copied, with that frame\'s box', () => {
    const shots = new BestShots();
    const first = frame(0, 1);
    shots.update(first, [track(1, 0, 0.5, 0.5, 10)]);
    first.data.fill(9); // the decoder reuses its buffer
    shots.update(frame(200, 2), [track(1, 200, 0.8, 0.8, 20)]);
    shots.update(frame(400, 3), [track(1, 400, 0.6, 0.8, 30)]); // worse: kept out
    expect(shots.get(1)).toEqual({ frame: frame(200, 2), box: { x: 20, y: 0, width: 1, height: 1 }, score: 0.8 });
  });

  it('ignores tracks not seen on the frame, and copies a frame once for every track that improved on it', () => {
    const shots = new BestShots();
    const shared = frame(0, 4);
    shots.update(shared, [track(1, 0, 0.7, 0.7), track(2, 0, 0.6, 0.6), track(3, -200, 0.9, 0.9)]);
    expect(shots.get(1)!.frame).toBe(shots.get(2)!.frame);
    expect(shots.get(1)!.frame.data).not.toBe(shared.data);
    expect(shots.get(3)).toBeUndefined();
  });

  it('lets go of the shots of tracks the tracker no longer follows, so flickering detections cost nothing', () => {
    const shots = new BestShots();
    for (let i = 0; i < 100; i++) shots.update(frame(i * 200, i), [track(1000 + i, i * 200, 0.5, 0.5), track(1, i * 200, 0.4, 0.9)]);
    expect(shots.size).toBe(1); // only the latest tentative track: each earlier one was dropped
    shots.update(frame(20_000, 1), []);
    expect(shots.size).toBe(0);
  });
});
