/**
 * YOLOX output decoding: rows of [cx, cy, w, h, objectness, class scores...] on grids at strides
 * 8, 16 and 32 (each row-major, x fastest); coordinates are offsets from the grid cell in stride
 * units, sizes log-encoded; scores are already probabilities.
 */
export const STRIDES = [8, 16, 32];
/** For every output row: grid x, grid y and stride, packed by three. */
export function makeGrid(width, height) {
    let rows = 0;
    for (const s of STRIDES)
        rows += Math.floor(width / s) * Math.floor(height / s);
    const grid = new Float32Array(rows * 3);
    let i = 0;
    for (const s of STRIDES) {
        const gw = Math.floor(width / s);
        const gh = Math.floor(height / s);
        for (let gy = 0; gy < gh; gy++) {
            for (let gx = 0; gx < gw; gx++) {
                grid[i++] = gx;
                grid[i++] = gy;
                grid[i++] = s;
            }
        }
    }
    return grid;
}
/**
 * The rows whose best class is wanted and whose score (objectness x class score) reaches that
 * class's threshold; `thresholds[c]` is Infinity for classes not wanted.
 */
export function decodeOutput(output, grid, numClasses, thresholds) {
    const rowLength = 5 + numClasses;
    const rows = grid.length / 3;
    if (output.length !== rows * rowLength)
        throw new RangeError(`output has ${output.length} values, expected ${rows} rows of ${rowLength}`);
    let lowest = Infinity;
    for (const t of thresholds)
        lowest = Math.min(lowest, t);
    const found = [];
    for (let r = 0, o = 0; r < rows; r++, o += rowLength) {
        const objectness = output[o + 4];
        if (objectness < lowest)
            continue; // class scores are at most 1
        let best = 0;
        let bestScore = -1;
        for (let c = 0; c < numClasses; c++) {
            const p = output[o + 5 + c];
            if (p > bestScore) {
                bestScore = p;
                best = c;
            }
        }
        const score = objectness * bestScore;
        if (score < thresholds[best])
            continue;
        const s = grid[r * 3 + 2];
        const cx = (output[o] + grid[r * 3]) * s;
        const cy = (output[o + 1] + grid[r * 3 + 1]) * s;
        const hw = (Math.exp(output[o + 2]) * s) / 2;
        const hh = (Math.exp(output[o + 3]) * s) / 2;
        found.push({ classId: best, score, x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh });
    }
    return found;
}
function cornerIou(a, b) {
    const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
    const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
    if (w <= 0 || h <= 0)
        return 0;
    const inter = w * h;
    return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}
/** Greedy non-maximum suppression within each class; returns the kept boxes, best first. */
export function nmsPerClass(candidates, iouThreshold) {
    const sorted = candidates.slice().sort((a, b) => b.score - a.score);
    const kept = [];
    for (const c of sorted) {
        if (!kept.some((k) => k.classId === c.classId && cornerIou(k, c) > iouThreshold))
            kept.push(c);
    }
    return kept;
}
//# sourceMappingURL=yolox.js.map