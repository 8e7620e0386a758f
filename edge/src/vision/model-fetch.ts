import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { KNOWN_MODELS, LABELS_FILE, ModelError, modelFileName, type ModelInput } from './model.js';

/** The pinned commit of the models README: the same bytes as the table of known exports. */
export const MODEL_BASE_URL = 'https://github.com/w-okada/yolox-onnx-test/raw/21eae76339474325b8b5adde6fb23892d633884f/models/';

/** The 80 COCO class names in the models' output order (coco-labels.txt). */
export const COCO_LABELS: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
  'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
  'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush'
];

const sha256Of = async (path: string) => {
  const bytes = await readFile(path).catch(() => null);
  return bytes && createHash('sha256').update(bytes).digest('hex');
};

/**
 * Downloads the model of each input size into `dir`; a file takes its real name only once its
 * sha256 is that of the known export. A file already there with the right bytes is kept. Writes
 * coco-labels.txt beside them. Throws a ModelError naming the URL or the mismatch.
 */
export async function fetchModels(dir: string, inputs: readonly ModelInput[], baseUrl = MODEL_BASE_URL): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const input of inputs) {
    const name = modelFileName(input);
    const expected = KNOWN_MODELS[name]!.sha256;
    const path = join(dir, name);
    if ((await sha256Of(path)) === expected) continue;
    const url = new URL(name, baseUrl);
    const part = `${path}.part`;
    try {
      const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(120_000) }).catch((err: Error) => {
        throw new ModelError(`cannot download ${url}: ${err.message}`, path);
      });
      if (!res.ok || !res.body) throw new ModelError(`cannot download ${url}: HTTP ${res.status}`, path);
      await pipeline(Readable.fromWeb(res.body as ReadableStream), createWriteStream(part));
      const sha256 = await sha256Of(part);
      if (sha256 !== expected) throw new ModelError(`${url} gave a file with sha256 ${sha256}, expected ${expected}: refused`, path);
      await rename(part, path);
      written.push(path);
    } finally {
      await rm(part, { force: true });
    }
  }
  await writeFile(join(dir, LABELS_FILE), `${COCO_LABELS.join('\n')}\n`);
  return written;
}
