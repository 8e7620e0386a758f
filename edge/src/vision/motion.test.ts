import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import type { Frame } from './frame.js';
import type { Box } from './geometry.js';
import { decodeImage } from './image.js';
import { MotionDetector, type MotionOptions } from './motion.js';
import { CLIP, CLIP_HEIGHT, CLIP_WIDTH, FRAME_10S } from './testing/media.js';

/** A grey picture with white squares. */
function grey(width: number, height: number, value: number, ...squares: Box[]): Frame {
  const data = Buffer.alloc(width * height, value);
  for (const s of squares) for (let y = s.y; y < s.y + s.height; y++) data.fill(255, y * width + s.x, y * width + s.x + s.width);
  return { data, width, height, pixelFormat: 'gray', index: 0, timeMs: 0 };
}

function toBgr(frame: Frame): Frame {
  const data = Buffer.alloc(frame.data.length * 3);
  frame.data.forEach((v, i) => data.fill(v, i * 3, i * 3 + 3));
  return { ...frame, data, pixelFormat: 'bgr24' };
}

/** Motion boxes of every frame of the clip (10 fps, BGR, full size). */
async function clipMotion(options?: MotionOptions): Promise<Box[][]> {
  const motion = new MotionDetector(options);
  const boxes: Box[][] = [];
  for await (const frame of decodeFrames(CLIP, { width: CLIP_WIDTH, height: CLIP_HEIGHT, fps: 10, pixelFormat: 'bgr24' })) boxes.push(motion.detect(frame).boxes);
  return boxes;
}

describe('MotionDetector on synthetic frames', () => {
  it('boxes a square that appears, in full-frame pixels', () => {
    const motion = new MotionDetector();
    expect(motion.detect(grey(400, 200, 50)).boxes).toEqual([]); // the background
    const { boxes, lightning } = motion.detect(grey(400, 200, 50, { x: 100, y: 60, width: 40, height: 40 }));
    expect(lightning).toBe(false);
    expect(boxes).toHaveLength(1);
    const [b] = boxes;
    // the small picture is 200x100: the box is found within a few full-size pixels, blur and dilation included
    expect(b!.x).toBeGreaterThanOrEqual(90);
    expect(b!.x).toBeLessThanOrEqual(100);
    expect(b!.y).toBeGreaterThanOrEqual(50);
    expect(b!.x + b!.width).toBeGreaterThanOrEqual(140);
    expect(b!.x + b!.width).toBeLessThanOrEqual(150);
    expect(b!.y + b!.height).toBeLessThanOrEqual(110);
  });

  it('treats BGR and grey frames alike', () => {
    const square = { x: 200, y: 20, width: 60, height: 30 };
    const fromGrey = new MotionDetector();
    const fromBgr = new MotionDetector();
    fromGrey.detect(grey(400, 200, 50));
    fromBgr.detect(toBgr(grey(400, 200, 50)));
    expect(fromBgr.detect(toBgr(grey(400, 200, 50, square)))).toEqual(fromGrey.detect(grey(400, 200, 50, square)));
  });

  it('ignores a blob smaller than minArea and a change below the threshold', () => {
    const motion = new MotionDetector({ minArea: 50 });
    motion.detect(grey(400, 200, 50));
    expect(motion.detect(grey(400, 200, 50, { x: 100, y: 100, width: 6, height: 6 })).boxes).toEqual([]);
    const subtle = new MotionDetector();
    subtle.detect(grey(400, 200, 50));
    expect(subtle.detect(grey(400, 200, 75)).boxes).toEqual([]);
  });

  it('takes a sudden global change for lightning, not motion, and learns the new picture', () => {
    const motion = new MotionDetector();
    motion.detect(grey(400, 200, 50));
    const flash = motion.detect(grey(400, 200, 200));
    expect(flash).toMatchObject({ boxes: [], lightning: true });
    expect(flash.changed).toBe(1);
    expect(motion.detect(grey(400, 200, 200))).toMatchObject({ boxes: [], lightning: false, changed: 0 });
  });

  it('masks motion inside the mask polygons only', () => {
    const left = { x: 40, y: 80, width: 40, height: 40 };
    const right = { x: 300, y: 80, width: 40, height: 40 };
    const motion = new MotionDetector({ masks: [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]] });
    motion.detect(grey(400, 200, 50));
    const { boxes } = motion.detect(grey(400, 200, 50, left, right));
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.x).toBeGreaterThan(200);
  });

  it('refuses a mask with points outside 0..1', () => {
    expect(() => new MotionDetector({ masks: [[[0, 0], [2, 0], [1, 1]]] })).toThrow(/motion mask 0/);
  });
});

describe('MotionDetector on the real clip', () => {
  let open: Box[][];
  beforeAll(async () => {
    open = await clipMotion();
  }, 60_000);

  it('finds no motion in a static scene (one real frame repeated)', async () => {
    const still = await decodeImage(FRAME_10S);
    const motion = new MotionDetector();
    for (let i = 0; i < 30; i++) expect(motion.detect(still).boxes).toEqual([]);
  });

  it('finds the walking people: motion in most frames, boxes inside the frame', () => {
    expect(open[0]).toEqual([]);
    const moving = open.filter((boxes) => boxes.length > 0).length;
    expect(moving).toBeGreaterThan(150);
    for (const box of open.flat()) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(CLIP_WIDTH + 1e-9);
      expect(box.y + box.height).toBeLessThanOrEqual(CLIP_HEIGHT + 1e-9);
      expect(box.width * box.height).toBeLessThan(CLIP_WIDTH * CLIP_HEIGHT);
    }
  });

  it('reports nothing where a mask covers the walkway’s left half', async () => {
    const inLeftHalf = (b: Box) => b.x + b.width <= CLIP_WIDTH / 2;
    expect(open.flat().filter(inLeftHalf).length).toBeGreaterThan(20);
    const masked = await clipMotion({ masks: [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]] });
    expect(masked.flat().filter(inLeftHalf)).toEqual([]);
    expect(masked.flat().length).toBeGreaterThan(0);
  }, 60_000);

  it('finds nothing anywhere under a mask over the whole picture', async () => {
    const masked = await clipMotion({ masks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] });
    expect(masked.flat()).toEqual([]);
  }, 60_000);
});
