import { describe, expect, it } from 'vitest';
import { assertPolygon, footPoint, iou, overlaps, pointInPolygon, union } from './geometry.js';

describe('geometry', () => {
  it('computes IoU, overlap and union of boxes', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150, 10);
    expect(iou(a, { x: 10, y: 0, width: 10, height: 10 })).toBe(0);
    expect(overlaps(a, { x: 10, y: 0, width: 10, height: 10 })).toBe(false);
    expect(overlaps(a, { x: 9, y: 9, width: 10, height: 10 })).toBe(true);
    expect(union(a, { x: 20, y: -5, width: 1, height: 1 })).toEqual({ x: 0, y: -5, width: 21, height: 15 });
  });

  it('tests points against concave polygons', () => {
    const u = [[0, 0], [0.3, 0], [0.3, 0.7], [0.7, 0.7], [0.7, 0], [1, 0], [1, 1], [0, 1]] as const;
    expect(pointInPolygon(0.1, 0.5, u)).toBe(true);
    expect(pointInPolygon(0.5, 0.5, u)).toBe(false); // in the notch
    expect(pointInPolygon(0.5, 0.9, u)).toBe(true);
    expect(pointInPolygon(1.1, 0.5, u)).toBe(false);
  });

  it('puts the foot of a box at its bottom-centre, inside the last row at the frame edge', () => {
    expect(footPoint({ x: 10, y: 20, width: 20, height: 30 }, 100, 100)).toEqual([0.2, 0.5]);
    expect(footPoint({ x: 0, y: 50, width: 20, height: 50 }, 100, 100)).toEqual([0.1, 0.995]);
  });

  it('checks polygons', () => {
    expect(() => assertPolygon([[0, 0], [1, 0], [1, 1]], 'p')).not.toThrow();
    expect(() => assertPolygon([[0, 0], [1, -0.1], [1, 1]], 'p')).toThrow(/p: point 1,-0.1/);
  });
});
