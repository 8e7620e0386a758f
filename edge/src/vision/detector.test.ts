import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector, type Detection } from './detector.js';
import type { Frame } from './frame.js';
import { decodeImage } from './image.js';
import { MODEL_INPUTS, ModelError, resolveModelDir } from './model.js';
import { FRAME_10S, MODEL_DIR } from './testing/media.js';

const VEHICLES = ['car', 'truck', 'bus'];
const count = (found: Detection[], labels: string[]) => found.filter((d) => labels.includes(d.label)).length;

function insideFrame(found: Detection[], frame: Frame): boolean {
  return found.every(({ box }) => box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0 && box.x + box.width <= frame.width && box.y + box.height <= frame.height);
}

/** A model dir holding the real labels and `bytes` under `name`. */
function modelDirWith(name: string, bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-model-'));
  writeFileSync(join(dir, name), bytes);
  copyFileSync(join(MODEL_DIR, 'coco-labels.txt'), join(dir, 'coco-labels.txt'));
  return dir;
}

let frame: Frame;
beforeAll(async () => {
  frame = await decodeImage(FRAME_10S);
});

describe('Detector on the real 10 s frame', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await Detector.load({ modelDir: MODEL_DIR, input: '416x416' });
  });

  it('finds the pedestrians and the vehicles with boxes inside the frame', async () => {
    const found = await detector.detect(frame);
    expect(count(found, ['person'])).toBeGreaterThanOrEqual(5);
    expect(count(found, VEHICLES)).toBeGreaterThanOrEqual(2);
    expect(insideFrame(found, frame)).toBe(true);
    expect(found.every((d) => d.score >= 0.35 && d.score <= 1 && d.label === detector.info.labels[d.classId])).toBe(true);
    // the parked white van stands at the top right, about 73 x 57 pixels from (652, 42)
    expect(found.some((d) => VEHICLES.includes(d.label) && Math.abs(d.box.x - 652) < 15 && Math.abs(d.box.y - 42) < 15)).toBe(true);
  });

  it('says which known export it runs', () => {
    expect(detector.info).toMatchObject({ verified: true, input: '416x416', width: 416, height: 416 });
    expect(detector.info.sha256).toBe('dc1a3bc37ffd961222999f05aa134a1e95274c9603b8e60518ff26e90917a225');
    expect(detector.info.labels).toHaveLength(80);
  });

  it('finds an object again in a region, in frame coordinates', async () => {
    const whole = await detector.detect(frame);
    const van = whole.find((d) => d.label === 'truck')!;
    const inRegion = await detector.detect(frame, { region: { x: 352, y: 0, width: 416, height: 416 } });
    const again = inRegion.find((d) => VEHICLES.includes(d.label) && Math.abs(d.box.x - van.box.x) < 10 && Math.abs(d.box.y - van.box.y) < 10);
    expect(again).toBeDefined();
    expect(inRegion.every((d) => d.box.x >= 352 && d.box.x + d.box.width <= 768 && d.box.y + d.box.height <= 416)).toBe(true);
  });

  it('gives each of several overlapping calls its own input', async () => {
    const single = await detector.detect(frame);
    const region = { x: 0, y: 100, width: 416, height: 416 };
    const [a, b, c] = await Promise.all([detector.detect(frame), detector.detect(frame, { region }), detector.detect(frame)]);
    expect(a).toEqual(single);
    expect(c).toEqual(single);
    expect(b).toEqual(await detector.detect(frame, { region }));
  });

  it('keeps only the classes asked for, at their thresholds', async () => {
    const people = await Detector.load({ modelDir: MODEL_DIR, input: '416x416', classes: ['person'], classThresholds: { person: 0.7 } });
    const found = await people.detect(frame);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((d) => d.label === 'person' && d.score >= 0.7)).toBe(true);
    await expect(Detector.load({ modelDir: MODEL_DIR, input: '416x416', classes: ['unicorn'] })).rejects.toThrow(/unknown class "unicorn"/);
  });

  it('rejects a region outside the frame', async () => {
    await expect(detector.detect(frame, { region: { x: 600, y: 0, width: 416, height: 416 } })).rejects.toThrow(RangeError);
  });
});

describe('Detector model sizes', () => {
  it.each(MODEL_INPUTS)('loads the %s model and finds people and vehicles', async (input) => {
    const detector = await Detector.load({ modelDir: MODEL_DIR, input });
    expect(detector.info.verified).toBe(true);
    const found = await detector.detect(frame);
    expect(count(found, ['person'])).toBeGreaterThanOrEqual(3);
    expect(count(found, VEHICLES)).toBeGreaterThanOrEqual(1);
    expect(insideFrame(found, frame)).toBe(true);
    await detector.close();
  });
});

describe('Detector model errors', () => {
  it('names the missing model file', async () => {
    const dir = join(tmpdir(), 'sc-no-such-models');
    const err = await Detector.load({ modelDir: dir, input: '416x416' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).path).toBe(join(dir, 'yolox_nano_416x416.onnx'));
    expect((err as Error).message).toContain(join(dir, 'yolox_nano_416x416.onnx'));
  });

  it('refuses a corrupt file of unknown name, naming it', async () => {
    const dir = modelDirWith('random.onnx', randomBytes(64 * 1024));
    const err = await Detector.load({ modelDir: dir, file: 'random.onnx', input: '416x416' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toContain(join(dir, 'random.onnx'));
  });

  it('refuses a known file name whose bytes differ, by sha256', async () => {
    const dir = modelDirWith('yolox_nano_320x320.onnx', randomBytes(1024));
    await expect(Detector.load({ modelDir: dir, input: '320x320' })).rejects.toThrow(/yolox_nano_320x320\.onnx is not the expected file: sha256 [0-9a-f]{64}, expected cc51f493/);
  });

  it('refuses a model whose input is not the size asked for', async () => {
    const err = await Detector.load({ modelDir: MODEL_DIR, file: 'yolox_nano_320x320.onnx', input: '416x416' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/input 1x3x320x320 .* expected 1x3x416x416/);
  });

  it('names a missing labels file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-model-'));
    copyFileSync(join(MODEL_DIR, 'yolox_nano_320x320.onnx'), join(dir, 'yolox_nano_320x320.onnx'));
    await expect(Detector.load({ modelDir: dir, input: '320x320' })).rejects.toThrow(`cannot read labels ${join(dir, 'coco-labels.txt')}`);
  });

  it('takes the model dir from SC_MODEL_DIR, then the checkout, and says so when there is none', () => {
    const empty = mkdtempSync(join(tmpdir(), 'sc-no-model-'));
    expect(resolveModelDir('/explicit', { SC_MODEL_DIR: '/env' })).toBe('/explicit');
    expect(resolveModelDir(undefined, { SC_MODEL_DIR: '/env' })).toBe('/env');
    expect(resolveModelDir(undefined, {}, [empty, MODEL_DIR])).toBe(MODEL_DIR);
    expect(() => resolveModelDir(undefined, {}, [empty])).toThrow(ModelError);
    expect(() => resolveModelDir(undefined, {}, [empty])).toThrow(/SC_MODEL_DIR/);
  });
});
