/** One decoded picture; every module of the vision core works on these. */
/** bgr24: 3 bytes a pixel, blue first (OpenCV's and the models' order); gray: 1 byte a pixel. */
export type PixelFormat = 'bgr24' | 'gray';
export interface Frame {
    /** Packed rows, top to bottom, no padding. Owned by the producer: valid until the next frame is asked for. */
    data: Buffer;
    width: number;
    height: number;
    pixelFormat: PixelFormat;
    /** 0-based number of the frame in its source, counting frames dropped on the way. */
    index: number;
    /** When the frame was taken, ms since the epoch. */
    timeMs: number;
}
export declare function bytesPerPixel(format: PixelFormat): number;
//# sourceMappingURL=frame.d.ts.map