import { type Box, type Polygon } from './geometry.js';
import type { Track } from './tracker.js';
export interface Zone {
    id: string;
    /** Normalised polygon; an object is in the zone when the bottom-centre of its box is. */
    polygon: Polygon;
    /** Consecutive observations in (or out) before an object enters (or leaves); default 3. */
    inertia?: number;
}
/** Which tracked objects are in which zones, with inertia so a box jittering on the edge does not flicker. */
export declare class ZonePresence {
    readonly zones: readonly Zone[];
    private readonly presence;
    constructor(zones: readonly Zone[]);
    /** Feeds the tracks observed in this frame (not those merely remembered) with the frame size. */
    update(observed: readonly Track[], frameWidth: number, frameHeight: number, timeMs: number): void;
    /** Since when the track has been in the zone (ms since the epoch), or undefined when it is not in it. */
    enteredAt(trackId: number, zoneId: string): number | undefined;
    /** Drops what is known of an ended track. */
    forget(trackId: number): void;
}
/** Whether an object mask hides this box: masks test where the object stands, the bottom-centre. */
export declare function isMasked(box: Box, frameWidth: number, frameHeight: number, masks: readonly Polygon[]): boolean;
//# sourceMappingURL=zones.d.ts.map