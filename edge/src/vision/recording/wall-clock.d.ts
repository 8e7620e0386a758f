/**
 * Maps a recording's media time (seconds, as ffmpeg's segment list reports it) to wall-clock ms.
 *
 * Each time the segment muxer cuts, it does so on the keyframe that just arrived, so "now minus the
 * cut's media time" is an observation of when media time 0 happened. Network and parsing delays only
 * ever make an observation late, never early: the smallest of the recent observations is the best
 * estimate. A window (rather than all history) lets the estimate follow clock drift and a stream whose
 * timestamps stopped while the wall clock went on.
 */
export declare class WallClockAnchor {
    private readonly window;
    private readonly observations;
    constructor(window?: number);
    /** A cut at media time `mediaS` was seen at `wallMs`. */
    observe(mediaS: number, wallMs: number): void;
    get known(): boolean;
    /** Wall-clock ms of media time `mediaS`; only meaningful once `known`. */
    toWallMs(mediaS: number): number;
}
//# sourceMappingURL=wall-clock.d.ts.map