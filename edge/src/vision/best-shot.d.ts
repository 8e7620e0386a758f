import type { Frame } from './frame.js';
import type { Box } from './geometry.js';
import type { Track } from './tracker.js';
/** The clearest picture of a track: the frame where its detection scored highest, with that box. */
export interface BestShot {
    /** A copy of the frame: it stays valid after the source reuses its buffers. */
    frame: Frame;
    box: Box;
    score: number;
}
/**
 * Keeps, per live track, the frame where it scored best so far (what an incident's snapshot shows,
 * as Frigate's best thumbnail). A frame is copied only when a track seen on it beats its own best,
 * once for all the tracks that did; the shot of a track that is gone (ended, or dropped before it
 * was ever confirmed) is let go at the next update.
 */
export declare class BestShots {
    private readonly shots;
    /** After the tracker has taken this frame's detections; `tracks` are all it still follows. */
    update(frame: Frame, tracks: readonly Track[]): void;
    get(trackId: number): BestShot | undefined;
    get size(): number;
}
//# sourceMappingURL=best-shot.d.ts.map