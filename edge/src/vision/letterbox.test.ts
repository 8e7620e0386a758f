import { describe, expect, it } from 'vitest';
import { Letterbox, PAD_VALUE } from './letterbox.js';

/** A BGR24 picture whose pixel (x, y) is f(x, y) = [b, g, r]. */
function picture(width: number, height: number, f: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { data, width, height };
}

/** Value of channel c (0 B, 1 G, 2 R) at (u, v) of the model input. */
const at = (lb: Letterbox, c: number, u: number, v: number) => lb.input[c * lb.width * lb.height + v * lb.width + u]!;

describe('Letterbox', () => {
  it('scales a 4:3 frame into the top-left of a square input, planes B, G, R, grey 114 below', () => {
    const lb = new Letterbox(416, 416);
    const ratio = lb.fill(picture(768, 576, () => [10, 20, 30]));
    expect(ratio).toBeCloseTo(416 / 768, 10);
    // content is 416 x 312 rows
    expect([at(lb, 0, 0, 0), at(lb, 1, 0, 0), at(lb, 2, 0, 0)]).toEqual([10, 20, 30]);
    expect([at(lb, 0, 415, 311), at(lb, 1, 415, 311), at(lb, 2, 415, 311)]).toEqual([10, 20, 30]);
    for (const c of [0, 1, 2]) {
      expect(at(lb, c, 0, 312)).toBe(PAD_VALUE);
      expect(at(lb, c, 415, 415)).toBe(PAD_VALUE);
    }
  });

  it('pads to the right for a portrait region and keeps raw 0..255 values (no normalisation)', () => {
    const lb = new Letterbox(8, 8);
    const ratio = lb.fill(picture(2, 4, () => [0, 255, 7]));
    expect(ratio).toBe(2);
    expect(at(lb, 1, 3, 7)).toBe(255);
    expect(at(lb, 2, 3, 7)).toBe(7);
    expect(at(lb, 0, 4, 0)).toBe(PAD_VALUE);
    expect(at(lb, 1, 7, 7)).toBe(PAD_VALUE);
  });

  it('copies a region of the model size pixel for pixel', () => {
    const frame = picture(10, 6, (x, y) => [x, y, x + 10 * y]);
    const lb = new Letterbox(4, 3);
    expect(lb.fill(frame, { x: 5, y: 2, width: 4, height: 3 })).toBe(1);
    for (let v = 0; v < 3; v++) {
      for (let u = 0; u < 4; u++) {
        expect([at(lb, 0, u, v), at(lb, 1, u, v), at(lb, 2, u, v)]).toEqual([5 + u, 2 + v, 5 + u + 10 * (2 + v)]);
      }
    }
  });

  it('interpolates bilinearly with half-pixel centres when enlarging', () => {
    // one row 0, 100 enlarged x2: centres of the output map to -0.25, 0.25, 0.75, 1.25 → 0, 25, 75, 100
    const lb = new Letterbox(4, 2);
    lb.fill(picture(2, 1, (x) => [x * 100, 0, 0]));
    expect([0, 1, 2, 3].map((u) => at(lb, 0, u, 0))).toEqual([0, 25, 75, 100]);
    expect([0, 1, 2, 3].map((u) => at(lb, 0, u, 1))).toEqual([0, 25, 75, 100]);
  });

  it('averages neighbours when halving', () => {
    const lb = new Letterbox(2, 2);
    lb.fill(picture(4, 4, (x, y) => [(x % 2) * 200, (y % 2) * 100, 0]));
    // each output centre falls between two source pixels in both directions
    expect(at(lb, 0, 0, 0)).toBe(100);
    expect(at(lb, 1, 1, 1)).toBe(50);
  });

  it('greys again what an earlier, larger picture left behind', () => {
    const lb = new Letterbox(8, 8);
    lb.fill(picture(8, 8, () => [1, 1, 1]));
    lb.fill(picture(8, 2, () => [2, 2, 2]));
    expect(at(lb, 0, 7, 1)).toBe(2);
    expect(at(lb, 0, 0, 2)).toBe(PAD_VALUE);
    expect(at(lb, 2, 7, 7)).toBe(PAD_VALUE);
    lb.fill(picture(2, 8, () => [3, 3, 3]));
    expect(at(lb, 0, 1, 7)).toBe(3);
    expect(at(lb, 0, 2, 0)).toBe(PAD_VALUE);
    expect(at(lb, 0, 7, 1)).toBe(PAD_VALUE);
  });

  it('refuses regions that are not whole pixels inside the frame', () => {
    const lb = new Letterbox(4, 4);
    const frame = picture(10, 10, () => [0, 0, 0]);
    expect(() => lb.fill(frame, { x: 8, y: 0, width: 4, height: 4 })).toThrow(RangeError);
    expect(() => lb.fill(frame, { x: 0.5, y: 0, width: 4, height: 4 })).toThrow(RangeError);
    expect(() => lb.fill({ ...frame, data: frame.data.subarray(1) })).toThrow(RangeError);
  });
});
