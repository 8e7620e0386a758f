import { describe, expect, it } from 'vitest';
import { decodeOutput, makeGrid, nmsPerClass, type Candidate } from './yolox.js';

const NUM_CLASSES = 3;

function output(grid: Float32Array, rows: Record<number, number[]>): Float32Array {
  const out = new Float32Array((grid.length / 3) * (5 + NUM_CLASSES));
  for (const [row, values] of Object.entries(rows)) out.set(values, Number(row) * (5 + NUM_CLASSES));
  return out;
}

describe('YOLOX grids', () => {
  it('has one row per cell of the stride 8, 16 and 32 grids, x fastest', () => {
    const grid = makeGrid(416, 416);
    expect(grid.length / 3).toBe(52 * 52 + 26 * 26 + 13 * 13);
    expect(Array.from(grid.subarray(0, 6))).toEqual([0, 0, 8, 1, 0, 8]);
    expect(Array.from(grid.subarray(52 * 3, 52 * 3 + 3))).toEqual([0, 1, 8]);
    expect(Array.from(grid.subarray(52 * 52 * 3, 52 * 52 * 3 + 3))).toEqual([0, 0, 16]);
    expect(Array.from(grid.subarray(-3))).toEqual([12, 12, 32]);
    expect(makeGrid(640, 384).length / 3).toBe(80 * 48 + 40 * 24 + 20 * 12);
  });
});

describe('decodeOutput', () => {
  const grid = makeGrid(64, 32); // 8x4 + 4x2 + 2x1 = 42 rows
  const thresholds = new Float32Array([0.3, 0.5, Infinity]);

  it('decodes offsets from the cell and log sizes into input pixels, score = objectness x class', () => {
    const row = 8 * 4 + 4 + 1; // stride 16 grid, gx 1, gy 1
    const found = decodeOutput(output(grid, { [row]: [0.5, 0.25, Math.log(2), 0, 0.8, 0.9, 0.1, 0] }), grid, NUM_CLASSES, thresholds);
    expect(found).toHaveLength(1);
    const [c] = found;
    expect(c!.classId).toBe(0);
    expect(c!.score).toBeCloseTo(0.72, 6);
    // cx = (0.5 + 1) * 16 = 24, cy = (0.25 + 1) * 16 = 20, w = 2 * 16 = 32, h = 16
    [8, 12, 40, 28].forEach((v, i) => expect([c!.x1, c!.y1, c!.x2, c!.y2][i]).toBeCloseTo(v, 5));
  });

  it('keeps a row for its best class only, against that class threshold', () => {
    const found = decodeOutput(
      output(grid, {
        0: [0, 0, 0, 0, 0.9, 0.2, 0.6, 0], // class 1: 0.54 >= 0.5
        1: [0, 0, 0, 0, 0.9, 0.1, 0.5, 0], // class 1: 0.45 < 0.5
        2: [0, 0, 0, 0, 0.9, 0.4, 0.3, 0.9], // best is class 2, not wanted
        3: [0, 0, 0, 0, 0.2, 1, 0, 0], // objectness below every threshold
      }),
      grid,
      NUM_CLASSES,
      thresholds,
    );
    expect(found.map((c) => c.classId)).toEqual([1]);
    expect(found[0]!.score).toBeCloseTo(0.54, 6);
  });

  it('refuses an output of the wrong size', () => {
    expect(() => decodeOutput(new Float32Array(10), grid, NUM_CLASSES, thresholds)).toThrow(RangeError);
  });
});

describe('nmsPerClass', () => {
  const box = (classId: number, score: number, x: number): Candidate => ({ classId, score, x1: x, y1: 0, x2: x + 10, y2: 10 });

  it('drops the weaker of two overlapping boxes of one class and keeps other classes', () => {
    const kept = nmsPerClass([box(0, 0.5, 1), box(0, 0.9, 0), box(1, 0.6, 0), box(0, 0.7, 20)], 0.45);
    expect(kept.map((c) => [c.classId, c.score])).toEqual([
      [0, 0.9],
      [0, 0.7],
      [1, 0.6],
    ]);
  });

  it('keeps overlapping boxes below the IoU threshold', () => {
    // IoU of [0,10] and [6,16] is 4/16 = 0.25
    expect(nmsPerClass([box(0, 0.9, 0), box(0, 0.8, 6)], 0.45)).toHaveLength(2);
    expect(nmsPerClass([box(0, 0.9, 0), box(0, 0.8, 6)], 0.2)).toHaveLength(1);
  });
});
