import { describe, expect, it } from 'vitest';
import type { Box } from './geometry.js';
import { regionAround, regionsForMotion } from './regions.js';

const MODEL = { modelWidth: 320, modelHeight: 320 };
const contains = (outer: Box, inner: Box) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
const whole = (width: number, height: number) => [{ x: 0, y: 0, width, height }];

describe('regionsForMotion', () => {
  it('asks for no inference without motion', () => {
    expect(regionsForMotion([], 1280, 720, MODEL)).toEqual([]);
  });

  it('puts a model-sized region around a small moving area', () => {
    const motion = { x: 600, y: 300, width: 30, height: 60 };
    const [region, ...more] = regionsForMotion([motion], 1280, 720, MODEL);
    expect(more).toEqual([]);
    expect(region).toEqual({ x: 455, y: 170, width: 320, height: 320 });
    expect(contains(region!, motion)).toBe(true);
  });

  it('grows the region for a large area, keeping the model’s aspect ratio and a margin', () => {
    const motion = { x: 100, y: 100, width: 200, height: 300 };
    const region = regionAround(motion, 1280, 720, { modelWidth: 640, modelHeight: 384 });
    expect(region.width / region.height).toBeCloseTo(640 / 384, 2);
    expect(region.height).toBeGreaterThanOrEqual(300 * 1.4);
    expect(contains(region, motion)).toBe(true);
  });

  it('shifts a region at the edge into the frame', () => {
    expect(regionAround({ x: 1270, y: 0, width: 10, height: 10 }, 1280, 720, MODEL)).toEqual({ x: 960, y: 0, width: 320, height: 320 });
    expect(regionAround({ x: 0, y: 0, width: 10, height: 10 }, 200, 100, MODEL)).toEqual({ x: 0, y: 0, width: 200, height: 100 });
  });

  it('merges areas whose regions overlap and keeps distant ones apart', () => {
    const a = { x: 100, y: 100, width: 20, height: 40 };
    const b = { x: 200, y: 150, width: 20, height: 40 };
    const far = { x: 1100, y: 500, width: 20, height: 40 };
    const regions = regionsForMotion([a, b, far], 1920, 1080, MODEL);
    expect(regions).toHaveLength(2);
    expect(regions.some((r) => contains(r, a) && contains(r, b))).toBe(true);
    expect(regions.some((r) => contains(r, far))).toBe(true);
    const [r1, r2] = regions;
    expect(r1!.x + r1!.width <= r2!.x || r2!.x + r2!.width <= r1!.x || r1!.y + r1!.height <= r2!.y || r2!.y + r2!.height <= r1!.y).toBe(true);
  });

  it('looks at the whole frame when motion is spread over it', () => {
    const corners = [
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 1900, y: 0, width: 10, height: 10 },
      { x: 0, y: 1060, width: 10, height: 10 },
    ];
    expect(regionsForMotion(corners, 1920, 1080, MODEL)).toEqual(whole(1920, 1080)); // three regions
    expect(regionsForMotion(corners.slice(0, 2), 1920, 1080, { ...MODEL, maxRegions: 3 })).toHaveLength(2);
    expect(regionsForMotion([{ x: 10, y: 10, width: 500, height: 500 }], 768, 576, MODEL)).toEqual(whole(768, 576)); // most of it
  });
});
