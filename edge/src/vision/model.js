import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
/** A model that cannot be used: missing, unreadable, corrupt, not the expected bytes or shape. */
export class ModelError extends Error {
    path;
    constructor(message, path) {
        super(message);
        this.path = path;
        this.name = 'ModelError';
    }
}
export const MODEL_INPUTS = ['416x416', '320x320', '384x640'];
/** The YOLOX-Nano exports of the models README (w-okada/yolox-onnx-test @ 21eae76), by file name. */
export const KNOWN_MODELS = {
    'yolox_nano_416x416.onnx': { input: '416x416', sha256: 'dc1a3bc37ffd961222999f05aa134a1e95274c9603b8e60518ff26e90917a225' },
    'yolox_nano_320x320.onnx': { input: '320x320', sha256: 'cc51f493f3f8f61acdbb83373fb7843e3035235ed0d28d5514f48607d1458b41' },
    'yolox_nano_384x640.onnx': { input: '384x640', sha256: 'dfc20f3386046b84f613dad987424c72e18f0598dd4be717e87723b9f5283b0b' },
};
export const LABELS_FILE = 'coco-labels.txt';
export function modelFileName(input) {
    return `yolox_nano_${input}.onnx`;
}
/** Input size as numbers; the name is height x width, as in the model files' names. */
export function parseModelInput(input) {
    const [height, width] = input.split('x').map(Number);
    return { width, height };
}
/**
 * Where a checkout keeps the models when SC_MODEL_DIR is not set, as scripts/lib/setup.sh does:
 * `../shared/models` beside the checkout, then `.models/` inside it (where `fetch-models` puts them).
 * The same from edge/src/vision and edge/dist/vision, both three levels below the checkout.
 */
export const CHECKOUT_MODEL_DIRS = [
    fileURLToPath(new URL('../../../../shared/models', import.meta.url)),
    fileURLToPath(new URL('../../../.models', import.meta.url)),
];
/**
 * The model directory: the explicit one, else SC_MODEL_DIR (set and not empty), else the first of the checkout's
 * directories that holds a model file; none is a ModelError naming what was looked at.
 */
export function resolveModelDir(explicit, env = process.env, fallbacks = CHECKOUT_MODEL_DIRS) {
    const dir = explicit ?? (env.SC_MODEL_DIR || fallbacks.find(holdsModel));
    if (!dir)
        throw new ModelError(`no model directory: pass one (--model DIR) or set SC_MODEL_DIR (none in ${fallbacks.join(', ')})`, '');
    return dir;
}
const holdsModel = (dir) => Object.keys(KNOWN_MODELS).some((file) => existsSync(join(dir, file)));
/**
 * Reads a model file and checks it against the known exports: a known file name with other bytes
 * is refused (a partial download or a different export), an unknown name is accepted unverified.
 */
export async function readModelFile(path, fileName) {
    const bytes = await readFile(path).catch((err) => {
        throw new ModelError(`cannot read model ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, path);
    });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const known = KNOWN_MODELS[fileName];
    if (known && known.sha256 !== sha256) {
        throw new ModelError(`model ${path} is not the expected file: sha256 ${sha256}, expected ${known.sha256} (corrupt or partial copy?)`, path);
    }
    return { bytes, sha256, verified: known !== undefined };
}
/** The class names, one a line, in the model's output order. */
export async function readLabels(path) {
    const text = await readFile(path, 'utf8').catch((err) => {
        throw new ModelError(`cannot read labels ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, path);
    });
    return text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
}
export function labelsPath(modelDir) {
    return join(modelDir, LABELS_FILE);
}
//# sourceMappingURL=model.js.map