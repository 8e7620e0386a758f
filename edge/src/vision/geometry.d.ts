/** Plain geometry shared by the vision modules: boxes in pixels, polygons in normalised coordinates. */
/** An axis-aligned rectangle; x, y is the top-left corner. */
export interface Box {
    x: number;
    y: number;
    width: number;
    height: number;
}
/** A point [x, y] with both coordinates in 0..1 of the frame's width and height. */
export type Point = readonly [number, number];
/** A closed polygon in normalised coordinates (at least three points). */
export type Polygon = readonly Point[];
export declare function area(box: Box): number;
/** Intersection over union of two boxes, 0 when they do not overlap. */
export declare function iou(a: Box, b: Box): number;
/** Whether two boxes share any area. */
export declare function overlaps(a: Box, b: Box): boolean;
/** The smallest box containing both. */
export declare function union(a: Box, b: Box): Box;
export declare function containsPoint(box: Box, x: number, y: number): boolean;
/** Even-odd ray casting; points exactly on an edge may fall either way. */
export declare function pointInPolygon(x: number, y: number, polygon: Polygon): boolean;
/**
 * The bottom-centre of a box in normalised frame coordinates: where an object stands. A box down to
 * the frame's bottom edge stands on the centre of the last pixel row, inside polygons drawn to the edge.
 */
export declare function footPoint(box: Box, frameWidth: number, frameHeight: number): Point;
/** Checks that a polygon has at least three points, all within 0..1; throws a RangeError naming it. */
export declare function assertPolygon(polygon: Polygon, what: string): void;
//# sourceMappingURL=geometry.d.ts.map