import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Detection } from '../detector.js';
import type { Frame } from '../frame.js';
import { decodeFrames } from '../frames.js';
import { CLIP, CLIP_HEIGHT, CLIP_WIDTH } from '../testing/media.js';
import { boxColour, renderSnapshot } from './snapshot.js';

const work = mkdtempSync(join(tmpdir(), 'sc-snapshot-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The clip's frame at 10 s, copied out of the decoder's buffer. */
async function frameAt10s(): Promise<Frame> {
  for await (const frame of decodeFrames(CLIP, { width: CLIP_WIDTH, height: CLIP_HEIGHT, fps: 10, pixelFormat: 'bgr24' })) {
    if (frame.index === 100) return { ...frame, data: Buffer.from(frame.data) };
  }
  throw new Error('clip shorter than 10 s');
}

const rgbOf = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

describe('renderSnapshot', () => {
  it('writes the frame as a JPEG of its size, in true colours, with the box drawn in its class colour', async () => {
    const frame = await frameAt10s();
    const original = Buffer.from(frame.data);
    const person: Detection = { classId: 0, label: 'person', score: 0.87, box: { x: 300, y: 200, width: 120, height: 240 } };
    const out = join(work, 'snapshots', 'incident.jpg');

    const written = await renderSnapshot(frame, [person], out, { quality: 90 });

    expect(written).toMatchObject({ path: out, width: CLIP_WIDTH, height: CLIP_HEIGHT });
    const bytes = readFileSync(out);
    expect(written.bytes).toBe(bytes.length);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(await sharp(out).metadata()).toMatchObject({ format: 'jpeg', width: CLIP_WIDTH, height: CLIP_HEIGHT, channels: 3 });
    expect(frame.data.equals(original)).toBe(true); // the producer's buffer is left alone
    expect(readdirSync(join(work, 'snapshots'))).toEqual(['incident.jpg']); // no temporary file left

    const { data: rgb } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [0, 1, 2].map((c) => rgb[(y * CLIP_WIDTH + x) * 3 + c]!);
    const red = rgbOf(boxColour('person'));
    const { x, y, width, height } = person.box;
    // the outline's middle points on all four sides, in the stroke (2 px inside the box)
    for (const [px, py] of [
      [x, y + height / 2],
      [x + width - 1, y + height / 2],
      [x + width / 2, y + height - 1],
      [x + width / 2, y],
    ] as const) {
      const pixel = at(px, py);
      pixel.forEach((v, c) => expect(Math.abs(v - red[c]!), `pixel (${px},${py}) = ${pixel}`).toBeLessThan(30));
    }

    // away from the box the picture is the frame's, red and blue in their places: checked where they differ most
    let most = { x: 0, y: 0, gap: 0 };
    for (let py = 0; py < 150; py += 4) {
      for (let px = 0; px < CLIP_WIDTH; px += 4) {
        const i = (py * CLIP_WIDTH + px) * 3;
        const gap = Math.abs(original[i]! - original[i + 2]!);
        if (gap > most.gap) most = { x: px, y: py, gap };
      }
    }
    expect(most.gap).toBeGreaterThan(40);
    const seen = at(most.x, most.y);
    const expected = [2, 1, 0].map((c) => original[(most.y * CLIP_WIDTH + most.x) * 3 + c]!);
    seen.forEach((v, c) => expect(Math.abs(v - expected[c]!), `pixel (${most.x},${most.y}) = ${seen}, frame RGB ${expected}`).toBeLessThan(most.gap / 3));
    // inside the box, nothing drawn
    const inside = at(x + width / 2, y + height / 2);
    const inFrame = [2, 1, 0].map((c) => original[((y + height / 2) * CLIP_WIDTH + x + width / 2) * 3 + c]!);
    inside.forEach((v, c) => expect(Math.abs(v - inFrame[c]!)).toBeLessThan(20));
  });

  it('refuses grey frames', async () => {
    const grey: Frame = { data: Buffer.alloc(16), width: 4, height: 4, pixelFormat: 'gray', index: 0, timeMs: 0 };
    await expect(renderSnapshot(grey, [], join(work, 'grey.jpg'))).rejects.toThrow(/bgr24/);
  });
});
