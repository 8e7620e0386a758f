/**
 * Maps a recording's media time (seconds, as ffmpeg's segment list reports it) to wall-clock ms.
 *
 * Each time the segment muxer cuts, it does so on the keyframe that just arrived, so "now minus the
 * cut's media time" is an observation of when media time 0 happened. Network and parsing delays only
 * ever make an observation late, never early: the smallest of the recent observations is the best
 * estimate. A window (rather than all history) lets the estimate follow clock drift and a stream whose
 * timestamps stopped while the wall clock went on.
 */
export class WallClockAnchor {
    window;
    observations = [];
    constructor(window = 10) {
        this.window = window;
    }
    /** A cut at media time `mediaS` was seen at `wallMs`. */
    observe(mediaS, wallMs) {
        this.observations.push(wallMs - mediaS * 1000);
        if (this.observations.length > this.window)
            this.observations.shift();
    }
    get known() {
        return this.observations.length > 0;
    }
    /** Wall-clock ms of media time `mediaS`; only meaningful once `known`. */
    toWallMs(mediaS) {
        return Math.round(Math.min(...this.observations) + mediaS * 1000);
    }
}
//# sourceMappingURL=wall-clock.js.map