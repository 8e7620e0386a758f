import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FrameSourceError } from './frames.js';
import { decodeImage } from './image.js';
import { FRAME_10S } from './testing/media.js';

describe('decodeImage', () => {
  it('decodes a JPEG to BGR24, as ffmpeg does', async () => {
    const frame = await decodeImage(FRAME_10S, 42);
    expect(frame).toMatchObject({ width: 768, height: 576, pixelFormat: 'bgr24', index: 0, timeMs: 42 });
    const ffmpeg = execFileSync('ffmpeg', ['-v', 'error', '-i', FRAME_10S, '-pix_fmt', 'bgr24', '-f', 'rawvideo', '-'], { maxBuffer: 4 << 20 });
    expect(ffmpeg.length).toBe(frame.data.length);
    let diff = 0;
    for (let i = 0; i < ffmpeg.length; i++) diff += Math.abs(ffmpeg[i]! - frame.data[i]!);
    expect(diff / ffmpeg.length).toBeLessThan(3);
    // the lawn at the bottom left is green: G above both B and R
    const p = (500 * 768 + 100) * 3;
    expect(frame.data[p + 1]).toBeGreaterThan(frame.data[p]! + 20);
    expect(frame.data[p + 1]).toBeGreaterThan(frame.data[p + 2]!);
  });

  it('names a file it cannot read', async () => {
    await expect(decodeImage('/nonexistent.jpg')).rejects.toThrow(FrameSourceError);
    await expect(decodeImage('/nonexistent.jpg')).rejects.toThrow(/cannot decode image \/nonexistent\.jpg/);
  });
});
