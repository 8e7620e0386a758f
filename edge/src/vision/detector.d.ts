import type { Box } from './geometry.js';
import { type BgrImage } from './letterbox.js';
import { type ModelInput } from './model.js';
/** An object found in a frame; the box is in frame pixels. */
export interface Detection {
    classId: number;
    label: string;
    score: number;
    box: Box;
}
/** What a commune watches for; every other COCO class is ignored unless asked for. */
export declare const DEFAULT_CLASSES: readonly string[];
export declare const DEFAULT_THRESHOLD = 0.35;
export declare const DEFAULT_CLASS_THRESHOLDS: Readonly<Record<string, number>>;
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
/**
 * YOLOX-Nano on onnxruntime (CPU), the model running on a thread of its own. detect() letterboxes
 * the frame into a reused input buffer before it returns, so the caller may reuse the frame's
 * buffer at once and prepare the next frame while the model runs. Runs are executed in order, so
 * one detector can serve several cameras; a detect() issued while every input buffer is busy adds one.
 */
export declare class Detector {
    readonly info: ModelInfo;
    private readonly worker;
    private readonly grid;
    private readonly thresholds;
    private readonly nmsIou;
    private readonly slots;
    private readonly dims;
    private constructor();
    /** Loads and checks the model; anything wrong with it is a ModelError naming the file. */
    static load(options: DetectorOptions): Promise<Detector>;
    /** Objects in a BGR24 frame (or a region of it), boxes in frame pixels, best first. */
    detect(frame: BgrImage, options?: DetectOptions): Promise<Detection[]>;
    /** The model alone on what an input buffer holds: what a benchmark of raw inference measures. */
    runModel(): Promise<void>;
    close(): Promise<void>;
    private run;
    private toDetections;
    private addSlot;
}
//# sourceMappingURL=detector.d.ts.map