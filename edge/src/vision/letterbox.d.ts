import type { Box } from './geometry.js';
/** The grey the models were trained with around the picture. */
export declare const PAD_VALUE = 114;
/** A BGR24 picture: 3 bytes a pixel, blue first, rows packed. */
export interface BgrImage {
    data: Uint8Array;
    width: number;
    height: number;
}
/**
 * Fills a model's input tensor (float32 NCHW, planes B, G, R, values 0..255) from a region of a
 * BGR24 frame: bilinear resize keeping the aspect ratio, placed at the top-left corner, grey 114
 * around it. `input` is written in place on every call; the owner may swap it for another view of
 * the same bytes (after sending the buffer to the inference thread and back), as the padding
 * drawn earlier is relied upon.
 */
export declare class Letterbox {
    readonly width: number;
    readonly height: number;
    input: Float32Array;
    private readonly x0;
    private readonly x1;
    private readonly fx;
    private contentWidth;
    private contentHeight;
    constructor(width: number, height: number);
    /**
     * Letterboxes `region` (whole pixels inside the frame; default the whole frame) and returns the
     * resize ratio: a point at (u, v) of the model input is (region.x + u / ratio, region.y + v / ratio)
     * in the frame.
     */
    fill(frame: BgrImage, region?: Box): number;
    /** Greys what lies outside the new content area; only the strips that the last content covered. */
    private pad;
}
//# sourceMappingURL=letterbox.d.ts.map