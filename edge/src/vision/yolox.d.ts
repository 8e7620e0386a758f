/**
 * YOLOX output decoding: rows of [cx, cy, w, h, objectness, class scores...] on grids at strides
 * 8, 16 and 32 (each row-major, x fastest); coordinates are offsets from the grid cell in stride
 * units, sizes log-encoded; scores are already probabilities.
 */
export declare const STRIDES: readonly [8, 16, 32];
/** A box found by the model, corners in model-input pixels. */
export interface Candidate {
    classId: number;
    score: number;
    x1: number;
    y1: number;
    x2: number;
    y2: number;
}
/** For every output row: grid x, grid y and stride, packed by three. */
export declare function makeGrid(width: number, height: number): Float32Array;
/**
 * The rows whose best class is wanted and whose score (objectness x class score) reaches that
 * class's threshold; `thresholds[c]` is Infinity for classes not wanted.
 */
export declare function decodeOutput(output: Float32Array, grid: Float32Array, numClasses: number, thresholds: Float32Array): Candidate[];
/** Greedy non-maximum suppression within each class; returns the kept boxes, best first. */
export declare function nmsPerClass(candidates: Candidate[], iouThreshold: number): Candidate[];
//# sourceMappingURL=yolox.d.ts.map