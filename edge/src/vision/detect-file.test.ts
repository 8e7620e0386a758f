import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFile, modelLocation } from './detect-file.js';
import { FrameSourceError } from './frames.js';
import { ModelError } from './model.js';
import { CLIP, FRAME_10S, MODEL_DIR } from './testing/media.js';

async function lines(file: string, options: Parameters<typeof detectFile>[1] = {}): Promise<{ out: string[]; result: Awaited<ReturnType<typeof detectFile>> }> {
  const out: string[] = [];
  const result = await detectFile(file, { model: MODEL_DIR, ...options, write: (line) => out.push(line) });
  return { out, result };
}

describe('detectFile', () => {
  it('prints the objects of an image as text: class, score, box in pixels', async () => {
    const { out, result } = await lines(FRAME_10S);
    expect(out[0]).toBe(`${FRAME_10S} (768x576): ${result.detections} objects`);
    expect(out).toHaveLength(result.detections + 1);
    expect(out.filter((l) => /^ {2}person +0\.\d\d {2}x=\d+ y=\d+ w=\d+ h=\d+$/.test(l)).length).toBeGreaterThanOrEqual(5);
    expect(result).toMatchObject({ frames: 1 });
  });

  it('prints one JSON object for an image', async () => {
    const { out } = await lines(FRAME_10S, { json: true });
    expect(out).toHaveLength(1);
    const parsed = JSON.parse(out[0]!) as { file: string; width: number; detections: Array<{ label: string; score: number; box: Record<string, number> }> };
    expect(parsed).toMatchObject({ file: FRAME_10S, width: 768, height: 576 });
    expect(parsed.detections.filter((d) => d.label === 'person').length).toBeGreaterThanOrEqual(5);
    expect(parsed.detections.every((d) => d.box.x! >= 0 && d.box.x! + d.box.width! <= 768)).toBe(true);
  });

  it('prints every Nth frame of a video, one JSON line per frame', async () => {
    const { out, result } = await lines(CLIP, { json: true, every: 50 });
    expect(result.frames).toBe(4);
    const frames = out.map((l) => JSON.parse(l) as { frame: number; timeS: number; detections: unknown[] });
    expect(frames.map((f) => [f.frame, f.timeS])).toEqual([
      [0, 0],
      [50, 5],
      [100, 10],
      [150, 15],
    ]);
    expect(frames.every((f) => f.detections.length > 0)).toBe(true);
  }, 60_000);

  it('prints frame headers for a video as text', async () => {
    const { out } = await lines(CLIP, { every: 100 });
    expect(out.filter((l) => l.startsWith('frame '))).toEqual([expect.stringMatching(/^frame 0 at 0\.00 s: \d+ objects$/), expect.stringMatching(/^frame 100 at 10\.00 s: \d+ objects$/)]);
  }, 60_000);

  it('takes a model file, its input size read from the name', async () => {
    const { result } = await lines(FRAME_10S, { model: join(MODEL_DIR, 'yolox_nano_320x320.onnx') });
    expect(result.detections).toBeGreaterThan(3);
    expect(modelLocation(join(MODEL_DIR, 'yolox_nano_384x640.onnx'))).toEqual({ modelDir: MODEL_DIR, file: 'yolox_nano_384x640.onnx', input: '384x640' });
    expect(modelLocation('/models', '320x320')).toEqual({ modelDir: '/models', input: '320x320' });
  });

  it('fails clearly on a missing model or file', async () => {
    await expect(lines(FRAME_10S, { model: '/nonexistent/models' })).rejects.toThrow(ModelError);
    await expect(lines('/nonexistent.jpg')).rejects.toThrow(FrameSourceError);
    await expect(lines('/nonexistent.mp4')).rejects.toThrow(FrameSourceError);
    await expect(lines(CLIP, { every: 0 })).rejects.toThrow(/--every/);
  });
});
