import { type Box, type Polygon } from './geometry.js';
import type { Frame } from './frame.js';
export interface MotionOptions {
    /** Height of the grey picture motion is computed on; default 100 (the width follows the aspect). */
    height?: number;
    /** Change of a pixel's brightness (0..255) against the background that counts as motion; default 30. */
    threshold?: number;
    /** Smallest moving blob, in pixels of the small picture; default 10. */
    minArea?: number;
    /** Share of the picture changing at once above which it is a global change (lights, IR switch), not motion; default 0.8. */
    lightningThreshold?: number;
    /** Weight of each new frame in the running-average background; default 0.01. */
    alpha?: number;
    /** Areas where motion is ignored (trees, a flag, a road outside the commune), normalised polygons. */
    masks?: readonly Polygon[];
}
export interface MotionResult {
    /** Moving areas in full-frame pixels; empty means: no need to run the model. */
    boxes: Box[];
    /** Share of the unmasked picture that changed. */
    changed: number;
    /** The whole picture changed at once: the background was reset and no motion reported. */
    lightning: boolean;
}
/**
 * Frigate-style motion detection: a small blurred grey copy of each frame against a running-average
 * background, thresholded, dilated, split into connected blobs. Buffers are sized on the first
 * frame and reused.
 */
export declare class MotionDetector {
    private readonly height;
    private readonly threshold;
    private readonly minArea;
    private readonly lightningThreshold;
    private readonly alpha;
    private readonly masks;
    private frameWidth;
    private frameHeight;
    private width;
    private grey;
    private blurred;
    private background;
    private moving;
    private spread;
    private dilated;
    private masked;
    private unmasked;
    private stack;
    private xOffsets;
    private xNext;
    constructor(options?: MotionOptions);
    /** Motion in this frame (BGR24 or grey) against the frames before it; the first frame only sets the background. */
    detect(frame: Frame): MotionResult;
    private resize;
    private shrink;
    /** 3x3 box blur with clamped edges. */
    private blur;
    /** Dilates the moving pixels by one, then boxes each 8-connected blob of at least minArea pixels. */
    private blobs;
}
//# sourceMappingURL=motion.d.ts.map