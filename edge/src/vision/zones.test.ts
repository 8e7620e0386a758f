import { describe, expect, it } from 'vitest';
import type { Box } from './geometry.js';
import type { Track } from './tracker.js';
import { isMasked, ZonePresence } from './zones.js';

/** The left half of a 100 x 100 frame. */
const LEFT = [
  [0, 0],
  [0.5, 0],
  [0.5, 1],
  [0, 1],
] as const;

function track(id: number, box: Box): Track {
  return { id, label: 'person', classId: 0, box, score: 0.9, bestScore: 0.9, confirmed: true, stationary: false, firstSeenMs: 0, lastSeenMs: 0 };
}

/** A person whose feet are at (x, 50) of a 100 x 100 frame. */
const at = (x: number) => track(1, { x: x - 5, y: 30, width: 10, height: 20 });

describe('ZonePresence', () => {
  it('counts an object in after 3 observations inside, from the first of them', () => {
    const zones = new ZonePresence([{ id: 'left', polygon: LEFT }]);
    zones.update([at(20)], 100, 100, 1000);
    zones.update([at(22)], 100, 100, 1200);
    expect(zones.enteredAt(1, 'left')).toBeUndefined();
    zones.update([at(24)], 100, 100, 1400);
    expect(zones.enteredAt(1, 'left')).toBe(1000);
  });

  it('ignores a box flickering over the edge and leaves after 3 observations outside', () => {
    const zones = new ZonePresence([{ id: 'left', polygon: LEFT }]);
    [at(40), at(60), at(40), at(40)].forEach((t, i) => zones.update([t], 100, 100, i * 100));
    expect(zones.enteredAt(1, 'left')).toBeUndefined(); // the streak was broken
    zones.update([at(40)], 100, 100, 400);
    expect(zones.enteredAt(1, 'left')).toBe(200);
    [at(60), at(40), at(60), at(60)].forEach((t, i) => zones.update([t], 100, 100, 500 + i * 100));
    expect(zones.enteredAt(1, 'left')).toBe(200);
    zones.update([at(60)], 100, 100, 900);
    expect(zones.enteredAt(1, 'left')).toBeUndefined();
  });

  it('places an object by the bottom-centre of its box', () => {
    const zones = new ZonePresence([{ id: 'left', polygon: LEFT, inertia: 1 }]);
    // a box mostly on the right whose feet are on the left
    zones.update([track(7, { x: 30, y: 0, width: 40, height: 90 })], 200, 100, 0);
    expect(zones.enteredAt(7, 'left')).toBe(0);
    zones.update([track(8, { x: 40, y: 0, width: 30, height: 90 })], 100, 100, 0);
    expect(zones.enteredAt(8, 'left')).toBeUndefined();
  });

  it('forgets ended tracks', () => {
    const zones = new ZonePresence([{ id: 'left', polygon: LEFT, inertia: 1 }]);
    zones.update([at(10)], 100, 100, 0);
    zones.forget(1);
    expect(zones.enteredAt(1, 'left')).toBeUndefined();
  });

  it('refuses a polygon of two points', () => {
    expect(() => new ZonePresence([{ id: 'line', polygon: [[0, 0], [1, 1]] }])).toThrow(/zone line/);
  });
});

describe('isMasked', () => {
  it('tests where the object stands, not its box', () => {
    expect(isMasked({ x: 40, y: 0, width: 40, height: 100 }, 100, 100, [LEFT])).toBe(false);
    expect(isMasked({ x: 10, y: 0, width: 70, height: 100 }, 100, 100, [LEFT])).toBe(true);
    expect(isMasked({ x: 10, y: 0, width: 70, height: 100 }, 100, 100, [])).toBe(false);
  });
});
