/** A model that cannot be used: missing, unreadable, corrupt, not the expected bytes or shape. */
export declare class ModelError extends Error {
    readonly path: string;
    constructor(message: string, path: string);
}
export type ModelInput = '416x416' | '320x320' | '384x640';
export declare const MODEL_INPUTS: readonly ModelInput[];
/** The YOLOX-Nano exports of the models README (w-okada/yolox-onnx-test @ 21eae76), by file name. */
export declare const KNOWN_MODELS: Readonly<Record<string, {
    input: ModelInput;
    sha256: string;
}>>;
export declare const LABELS_FILE = "coco-labels.txt";
export declare function modelFileName(input: ModelInput): string;
/** Input size as numbers; the name is height x width, as in the model files' names. */
export declare function parseModelInput(input: ModelInput): {
    width: number;
    height: number;
};
/**
 * Where a checkout keeps the models when SC_MODEL_DIR is not set, as scripts/lib/setup.sh does:
 * `../shared/models` beside the checkout, then `.models/` inside it (where `fetch-models` puts them).
 * The same from edge/src/vision and edge/dist/vision, both three levels below the checkout.
 */
export declare const CHECKOUT_MODEL_DIRS: readonly string[];
/**
 * The model directory: the explicit one, else SC_MODEL_DIR (set and not empty), else the first of the checkout's
 * directories that holds a model file; none is a ModelError naming what was looked at.
 */
export declare function resolveModelDir(explicit?: string, env?: NodeJS.ProcessEnv, fallbacks?: readonly string[]): string;
export interface ModelFile {
    bytes: Buffer;
    sha256: string;
    /** True when the bytes are those of a known export; false for a file the table does not name. */
    verified: boolean;
}
/**
 * Reads a model file and checks it against the known exports: a known file name with other bytes
 * is refused (a partial download or a different export), an unknown name is accepted unverified.
 */
export declare function readModelFile(path: string, fileName: string): Promise<ModelFile>;
/** The class names, one a line, in the model's output order. */
export declare function readLabels(path: string): Promise<string[]>;
export declare function labelsPath(modelDir: string): string;
//# sourceMappingURL=model.d.ts.map