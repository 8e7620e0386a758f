import { type Sharp } from 'sharp';
import type { Detection } from '../detector.js';
import type { Frame } from '../frame.js';
export interface RenderSnapshotOptions {
    /** JPEG quality 1..100; default 85. */
    quality?: number;
    /** Text above each box; default the class in Vietnamese and the score, e.g. "người 87%". */
    label?: (detection: Detection) => string;
}
export interface WrittenSnapshot {
    path: string;
    sha256: string;
    bytes: number;
    width: number;
    height: number;
}
/** Box colours (#rrggbb) by class; other classes are drawn in DEFAULT_BOX_COLOUR. */
export declare const BOX_COLOURS: Readonly<Record<string, string>>;
export declare const DEFAULT_BOX_COLOUR = "#ffffff";
export declare const boxColour: (label: string) => string;
export declare const defaultLabel: (d: Detection) => string;
/** A bgr24 frame as a sharp image in RGB, without copying its buffer. */
export declare function frameImage(frame: Frame): Sharp;
/**
 * Writes a frame as a JPEG with each detection's box and label drawn on it (an SVG overlay composited
 * by sharp). Box coordinates are the frame's pixels. The file appears at `outPath` only when complete.
 */
export declare function renderSnapshot(frame: Frame, detections: readonly Detection[], outPath: string, options?: RenderSnapshotOptions): Promise<WrittenSnapshot>;
//# sourceMappingURL=snapshot.d.ts.map