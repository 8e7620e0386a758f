import { join } from 'node:path';
import { InferenceWorker } from './inference-worker.js';
import { Letterbox } from './letterbox.js';
import { labelsPath, ModelError, modelFileName, parseModelInput, readLabels, readModelFile } from './model.js';
import { decodeOutput, makeGrid, nmsPerClass } from './yolox.js';
/** What a commune watches for; every other COCO class is ignored unless asked for. */
export const DEFAULT_CLASSES = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'];
export const DEFAULT_THRESHOLD = 0.35;
export const DEFAULT_CLASS_THRESHOLDS = { person: 0.4 };
/**
 * YOLOX-Nano on onnxruntime (CPU), the model running on a thread of its own. detect() letterboxes
 * the frame into a reused input buffer before it returns, so the caller may reuse the frame's
 * buffer at once and prepare the next frame while the model runs. Runs are executed in order, so
 * one detector can serve several cameras; a detect() issued while every input buffer is busy adds one.
 */
export class Detector {
    info;
    worker;
    grid;
    thresholds;
    nmsIou;
    slots = [];
    dims;
    constructor(info, worker, grid, thresholds, nmsIou) {
        this.info = info;
        this.worker = worker;
        this.grid = grid;
        this.thresholds = thresholds;
        this.nmsIou = nmsIou;
        this.dims = [1, 3, info.height, info.width];
        this.addSlot();
    }
    /** Loads and checks the model; anything wrong with it is a ModelError naming the file. */
    static async load(options) {
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
        }).catch((err) => {
            throw new ModelError(`cannot load model ${path}: ${err.message}`, path);
        });
        const grid = makeGrid(width, height);
        try {
            checkShapes(worker, path, [1, 3, height, width], [1, grid.length / 3, 5 + labels.length]);
        }
        catch (err) {
            await worker.close();
            throw err;
        }
        const info = { path, sha256: file.sha256, verified: file.verified, input: options.input, width, height, labels };
        return new Detector(info, worker, grid, thresholds, options.nmsIou ?? 0.45);
    }
    /** Objects in a BGR24 frame (or a region of it), boxes in frame pixels, best first. */
    detect(frame, options = {}) {
        const region = options.region ?? { x: 0, y: 0, width: frame.width, height: frame.height };
        const slot = this.slots.find((s) => s.free) ?? this.addSlot();
        let ratio;
        try {
            ratio = slot.letterbox.fill(frame, region);
        }
        catch (err) {
            return Promise.reject(err);
        }
        return this.run(slot).then((output) => this.toDetections(output, region, ratio));
    }
    /** The model alone on what an input buffer holds: what a benchmark of raw inference measures. */
    async runModel() {
        await this.run(this.slots.find((s) => s.free) ?? this.addSlot());
    }
    async close() {
        await this.worker.close();
    }
    async run(slot) {
        slot.free = false;
        try {
            const { input, output } = await this.worker.run(slot.letterbox.input.buffer, this.dims);
            slot.letterbox.input = new Float32Array(input);
            return output;
        }
        catch (err) {
            slot.letterbox = new Letterbox(this.info.width, this.info.height); // its buffer went with the failed run
            throw err;
        }
        finally {
            slot.free = true;
        }
    }
    toDetections(output, region, ratio) {
        const { labels } = this.info;
        const detections = [];
        for (const c of nmsPerClass(decodeOutput(output, this.grid, labels.length, this.thresholds), this.nmsIou)) {
            const x1 = Math.max(region.x, region.x + c.x1 / ratio);
            const y1 = Math.max(region.y, region.y + c.y1 / ratio);
            const x2 = Math.min(region.x + region.width, region.x + c.x2 / ratio);
            const y2 = Math.min(region.y + region.height, region.y + c.y2 / ratio);
            if (x2 - x1 < 1 || y2 - y1 < 1)
                continue;
            detections.push({ classId: c.classId, label: labels[c.classId], score: c.score, box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } });
        }
        return detections;
    }
    addSlot() {
        const slot = { letterbox: new Letterbox(this.info.width, this.info.height), free: true };
        this.slots.push(slot);
        return slot;
    }
}
function checkShapes(worker, path, input, output) {
    const shapeOf = (t) => (t?.isTensor && t.shape ? t.shape.join('x') : 'none');
    const actualIn = shapeOf(worker.inputs[0]);
    const actualOut = shapeOf(worker.outputs[0]);
    if (worker.inputs.length !== 1 || actualIn !== input.join('x') || actualOut !== output.join('x')) {
        throw new ModelError(`model ${path} does not fit: input ${actualIn} and output ${actualOut}, expected ${input.join('x')} and ${output.join('x')} (wrong --input, or labels file of another model?)`, path);
    }
}
function classThresholds(labels, options) {
    const thresholds = new Float32Array(labels.length).fill(Infinity);
    const perClass = options.classThresholds ?? DEFAULT_CLASS_THRESHOLDS;
    const classes = options.classes ?? DEFAULT_CLASSES;
    for (const name of [...classes, ...Object.keys(perClass)]) {
        if (!labels.includes(name))
            throw new RangeError(`unknown class "${name}": the model knows ${labels.join(', ')}`);
    }
    for (const name of classes)
        thresholds[labels.indexOf(name)] = perClass[name] ?? options.threshold ?? DEFAULT_THRESHOLD;
    return thresholds;
}
//# sourceMappingURL=detector.js.map