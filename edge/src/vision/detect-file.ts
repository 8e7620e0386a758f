import { basename, dirname, extname } from 'node:path';
import { Detector, type Detection } from './detector.js';
import { decodeFrames, probeVideo } from './frames.js';
import type { Frame } from './frame.js';
import { decodeImage } from './image.js';
import { MODEL_INPUTS, resolveModelDir, type ModelInput } from './model.js';

export interface DetectFileOptions {
  /** A model directory, or an .onnx file (with coco-labels.txt beside it); default SC_MODEL_DIR. */
  model?: string;
  /** Default 416x416, or what the .onnx file's name says. */
  input?: ModelInput;
  json?: boolean;
  /** Videos: look at every Nth frame; default 1 (all). */
  every?: number;
  threads?: number;
  /** Where lines go; default stdout. */
  write?: (line: string) => void;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Where the model is, from --model DIR|FILE and --input. */
export function modelLocation(model: string | undefined, input?: ModelInput): { modelDir: string; file?: string; input: ModelInput } {
  if (model?.endsWith('.onnx')) {
    const named = MODEL_INPUTS.find((size) => basename(model).includes(size));
    return { modelDir: dirname(model), file: basename(model), input: input ?? named ?? '416x416' };
  }
  return { modelDir: resolveModelDir(model), input: input ?? '416x416' };
}

/**
 * `sc-edge detect FILE`: the objects in an image, or in the frames of a video, printed one line per
 * object (text) or one JSON object per frame. Returns how many frames and objects were seen.
 */
export async function detectFile(file: string, options: DetectFileOptions = {}): Promise<{ frames: number; detections: number }> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const every = options.every ?? 1;
  if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`--every must be a whole number from 1, not ${every}`);
  const detector = await Detector.load({ ...modelLocation(options.model, options.input), threads: options.threads });
  let frames = 0;
  let detections = 0;
  const report = async (frame: Frame, timeS: number | undefined) => {
    const found = await detector.detect(frame);
    frames++;
    detections += found.length;
    for (const line of format(file, frame, timeS, found, options.json ?? false)) write(line);
  };
  try {
    if (IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) {
      await report(await decodeImage(file), undefined);
    } else {
      const video = await probeVideo(file);
      const source = decodeFrames(file, { width: video.width, height: video.height, fps: video.fps, pixelFormat: 'bgr24' });
      for await (const frame of source) if (frame.index % every === 0) await report(frame, frame.index / video.fps);
    }
  } finally {
    await detector.close();
  }
  return { frames, detections };
}

function format(file: string, frame: Frame, timeS: number | undefined, found: Detection[], json: boolean): string[] {
  const objects = found.map((d) => ({
    label: d.label,
    classId: d.classId,
    score: Math.round(d.score * 1000) / 1000,
    box: { x: Math.round(d.box.x), y: Math.round(d.box.y), width: Math.round(d.box.width), height: Math.round(d.box.height) },
  }));
  const where = timeS === undefined ? {} : { frame: frame.index, timeS: Math.round(timeS * 1000) / 1000 };
  if (json) return [JSON.stringify({ file, ...where, width: frame.width, height: frame.height, detections: objects })];
  const head = timeS === undefined ? `${file} (${frame.width}x${frame.height})` : `frame ${frame.index} at ${timeS.toFixed(2)} s`;
  return [
    `${head}: ${objects.length} object${objects.length === 1 ? '' : 's'}`,
    ...objects.map((o) => `  ${o.label.padEnd(10)} ${o.score.toFixed(2)}  x=${o.box.x} y=${o.box.y} w=${o.box.width} h=${o.box.height}`),
  ];
}
