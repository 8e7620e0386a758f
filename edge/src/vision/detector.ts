import { join } from 'node:path';
import type { Box } from './geometry.js';
import { InferenceWorker, type TensorInfo } from './inference-worker.js';
import { Letterbox, type BgrImage } from './letterbox.js';
import { labelsPath, ModelError, modelFileName, parseModelInput, readLabels, readModelFile, type ModelInput } from './model.js';
import { decodeOutput, makeGrid, nmsPerClass } from './yolox.js';

/** An object found in a frame; the box is in frame pixels. */
export interface Detection {
  classId: number;
  label: string;
  score: number;
  box: Box;
}

/** What a commune watches for; every other COCO class is ignored unless asked for. */
export const DEFAULT_CLASSES: readonly string[] = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'];
export const DEFAULT_THRESHOLD = 0.35;
export const DEFAULT_CLASS_THRESHOLDS: Readonly<Record<string, number>> = { person: 0.4 };

export interface DetectorOptions {
  /** Holds the model file and coco-labels.txt. */
  modelDir: string;
  input: ModelInput;
  /** The model file inside modelDir; default yolox_nano_<input>.onnx. */
  file?: string;
  /** onnxruntime intra-op threads; default 1 (a cabinet box has 2 cores and ffmpeg needs one). */
  threads?: number;
  /** Class names to report; default DEFAULT_CLASSES. */
  classes?: readonly string[];
  /** Minimum score by class name; the others use `threshold`. Default person 0.4. */
  classThresholds?: Readonly<Record<string, number>>;
  /** Default 0.35. */
  threshold?: number;
  /** IoU above which the weaker of two boxes of one class is dropped; default 0.45. */
  nmsIou?: number;
}

export interface ModelInfo {
  path: string;
  sha256: string;
  /** The bytes are those of a known export (see model.ts); false for a file of another name. */
  verified: boolean;
  input: ModelInput;
  width: number;
  height: number;
  labels: readonly string[];
}

export interface DetectOptions {
  /** Look only at this part of the frame (whole pixels); default the whole frame. */
  region?: Box;
}

/** One model input, being filled or run: its buffer goes to the inference thread and comes back. */
interface Slot {
  letterbox: Letterbox;
  free: boolean;
}

/**
 * YOLOX-Nano on onnxruntime (CPU), the model running on a thread of its own. detect() letterboxes
 * the frame into a reused input buffer before it returns, so the caller may reuse the frame's
 * buffer at once and prepare the next frame while the model runs. Runs are executed in order, so
 * one detector can serve several cameras; a detect() issued while every input buffer is busy adds one.
 */
export class Detector {
  private readonly slots: Slot[] = [];
  private readonly dims: readonly number[];

  private constructor(
    readonly info: ModelInfo,
    private readonly worker: InferenceWorker,
    private readonly grid: Float32Array,
    private readonly thresholds: Float32Array,
    private readonly nmsIou: number,
  ) {
    this.dims = [1, 3, info.height, info.width];
    this.addSlot();
  }

  /** Loads and checks the model; anything wrong with it is a ModelError naming the file. */
  static async load(options: DetectorOptions): Promise<Detector> {
    const { width, height } = parseModelInput(options.input);
    const fileName = options.file ?? modelFileName(options.input);
    const path = join(options.modelDir, fileName);
    const file = await readModelFile(path, fileName);
    const labels = await readLabels(labelsPath(options.modelDir));
    const thresholds = classThresholds(labels, options);
    const worker = await InferenceWorker.start(file.bytes, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    }).catch((err: Error) => {
      throw new ModelError(`cannot load model ${path}: ${err.message}`, path);
    });
    const grid = makeGrid(width, height);
    try {
      checkShapes(worker, path, [1, 3, height, width], [1, grid.length / 3, 5 + labels.length]);
    } catch (err) {
      await worker.close();
      throw err;
    }
    const info: ModelInfo = { path, sha256: file.sha256, verified: file.verified, input: options.input, width, height, labels };
    return new Detector(info, worker, grid, thresholds, options.nmsIou ?? 0.45);
  }

  /** Objects in a BGR24 frame (or a region of it), boxes in frame pixels, best first. */
  detect(frame: BgrImage, options: DetectOptions = {}): Promise<Detection[]> {
    const region = options.region ?? { x: 0, y: 0, width: frame.width, height: frame.height };
    const slot = this.slots.find((s) => s.free) ?? this.addSlot();
    let ratio: number;
    try {
      ratio = slot.letterbox.fill(frame, region);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.run(slot).then((output) => this.toDetections(output, region, ratio));
  }

  /** The model alone on what an input buffer holds: what a benchmark of raw inference measures. */
  async runModel(): Promise<void> {
    await this.run(this.slots.find((s) => s.free) ?? this.addSlot());
  }

  async close(): Promise<void> {
    await this.worker.close();
  }

  private async run(slot: Slot): Promise<Float32Array> {
    slot.free = false;
    try {
      const { input, output } = await this.worker.run(slot.letterbox.input.buffer as ArrayBuffer, this.dims);
      slot.letterbox.input = new Float32Array(input);
      return output;
    } catch (err) {
      slot.letterbox = new Letterbox(this.info.width, this.info.height); // its buffer went with the failed run
      throw err;
    } finally {
      slot.free = true;
    }
  }

  private toDetections(output: Float32Array, region: Box, ratio: number): Detection[] {
    const { labels } = this.info;
    const detections: Detection[] = [];
    for (const c of nmsPerClass(decodeOutput(output, this.grid, labels.length, this.thresholds), this.nmsIou)) {
      const x1 = Math.max(region.x, region.x + c.x1 / ratio);
      const y1 = Math.max(region.y, region.y + c.y1 / ratio);
      const x2 = Math.min(region.x + region.width, region.x + c.x2 / ratio);
      const y2 = Math.min(region.y + region.height, region.y + c.y2 / ratio);
      if (x2 - x1 < 1 || y2 - y1 < 1) continue;
      detections.push({ classId: c.classId, label: labels[c.classId]!, score: c.score, box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } });
    }
    return detections;
  }

  private addSlot(): Slot {
    const slot = { letterbox: new Letterbox(this.info.width, this.info.height), free: true };
    this.slots.push(slot);
    return slot;
  }
}

function checkShapes(worker: InferenceWorker, path: string, input: number[], output: number[]): void {
  const shapeOf = (t: TensorInfo | undefined) => (t?.isTensor && t.shape ? t.shape.join('x') : 'none');
  const actualIn = shapeOf(worker.inputs[0]);
  const actualOut = shapeOf(worker.outputs[0]);
  if (worker.inputs.length !== 1 || actualIn !== input.join('x') || actualOut !== output.join('x')) {
    throw new ModelError(
      `model ${path} does not fit: input ${actualIn} and output ${actualOut}, expected ${input.join('x')} and ${output.join('x')} (wrong --input, or labels file of another model?)`,
      path,
    );
  }
}

function classThresholds(labels: readonly string[], options: DetectorOptions): Float32Array {
  const thresholds = new Float32Array(labels.length).fill(Infinity);
  const perClass = options.classThresholds ?? DEFAULT_CLASS_THRESHOLDS;
  const classes = options.classes ?? DEFAULT_CLASSES;
  for (const name of [...classes, ...Object.keys(perClass)]) {
    if (!labels.includes(name)) throw new RangeError(`unknown class "${name}": the model knows ${labels.join(', ')}`);
  }
  for (const name of classes) thresholds[labels.indexOf(name)] = perClass[name] ?? options.threshold ?? DEFAULT_THRESHOLD;
  return thresholds;
}
