/** Plain geometry shared by the vision modules: boxes in pixels, polygons in normalised coordinates. */
export function area(box) {
    return Math.max(0, box.width) * Math.max(0, box.height);
}
/** Intersection over union of two boxes, 0 when they do not overlap. */
export function iou(a, b) {
    const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
    const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
    if (w <= 0 || h <= 0)
        return 0;
    const inter = w * h;
    return inter / (area(a) + area(b) - inter);
}
/** Whether two boxes share any area. */
export function overlaps(a, b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
/** The smallest box containing both. */
export function union(a, b) {
    const x = Math.min(a.x, b.x);
    const y = Math.min(a.y, b.y);
    return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}
export function containsPoint(box, x, y) {
    return x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
}
/** Even-odd ray casting; points exactly on an edge may fall either way. */
export function pointInPolygon(x, y, polygon) {
    let inside = false;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
        const [xi, yi] = polygon[i];
        const [xj, yj] = polygon[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi)
            inside = !inside;
    }
    return inside;
}
/**
 * The bottom-centre of a box in normalised frame coordinates: where an object stands. A box down to
 * the frame's bottom edge stands on the centre of the last pixel row, inside polygons drawn to the edge.
 */
export function footPoint(box, frameWidth, frameHeight) {
    return [(box.x + box.width / 2) / frameWidth, Math.min(box.y + box.height, frameHeight - 0.5) / frameHeight];
}
/** Checks that a polygon has at least three points, all within 0..1; throws a RangeError naming it. */
export function assertPolygon(polygon, what) {
    if (polygon.length < 3)
        throw new RangeError(`${what}: a polygon needs at least 3 points`);
    for (const [x, y] of polygon) {
        if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1))
            throw new RangeError(`${what}: point ${x},${y} is outside 0..1`);
    }
}
//# sourceMappingURL=geometry.js.map