import { type Box } from './geometry.js';
export interface RegionOptions {
    /** The model's input size: regions have its aspect ratio and are at least this big (never upscaled). */
    modelWidth: number;
    modelHeight: number;
    /** Context added around each moving area, as a share of its width and height on each side; default 0.2. */
    margin?: number;
    /** When the regions would cover this share of the frame or more, look at the whole frame; default 0.5. */
    wholeFrameShare?: number;
    /** More regions than this and the whole frame is cheaper; default 2. */
    maxRegions?: number;
}
/**
 * Where to run the model for a frame: nothing without motion, else regions around the moving areas
 * (merged while they overlap), or the whole frame when motion is spread over much of it. Regions
 * are whole pixels inside the frame.
 */
export declare function regionsForMotion(motion: readonly Box[], frameWidth: number, frameHeight: number, options: RegionOptions): Box[];
/** The model-shaped region centred on a moving area, grown by the margin, at least the model's size. */
export declare function regionAround(box: Box, frameWidth: number, frameHeight: number, options: RegionOptions): Box;
//# sourceMappingURL=regions.d.ts.map