import type { InferenceSession } from 'onnxruntime-node';
export interface TensorInfo {
    name: string;
    isTensor: boolean;
    /** Dimensions, symbolic ones as names. */
    shape?: Array<number | string>;
}
/** One onnxruntime session on its own thread; runs are executed in the order they are asked for. */
export declare class InferenceWorker {
    private readonly worker;
    readonly inputs: readonly TensorInfo[];
    readonly outputs: readonly TensorInfo[];
    private readonly pending;
    private nextId;
    private failure;
    private constructor();
    /** Creates the session from the model's bytes; rejects with onnxruntime's message if it cannot. */
    static start(model: Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceWorker>;
    /** Runs the model on `input` (float32, transferred: detached until the promise settles, then handed back). */
    run(input: ArrayBuffer, dims: readonly number[]): Promise<{
        input: ArrayBuffer;
        output: Float32Array;
    }>;
    close(): Promise<void>;
    private settle;
    private fail;
}
//# sourceMappingURL=inference-worker.d.ts.map