import type { Entry } from './player-entry.js';
import type { SpeakerOutputs } from './speaker-outputs.js';
/**
 * The first frame may leave up to this long before its instant, preceded in the same packet by
 * silence that places its first sample exactly on time (sample count, not timer precision, decides).
 * Small enough that the first RTP packet (≤ 15 ms of L16) still fits a 1500-byte Ethernet frame.
 */
export declare const FIRST_FRAME_EARLY_MS = 5;
export interface PlaySessionInit {
    entry: Entry;
    resumed: boolean;
    /** Monotonic instant of the first sample. */
    startHr: number;
    maxFrames: number;
    zones: string[];
    healthyZones: string[];
    /** Already known to go in the final report (zones not heard). */
    endReason: string | null;
}
export interface PlaySessionHooks {
    /** The first frame left; its first sample is heard at `firstSampleHr`. */
    onFirstFrame(session: PlaySession, firstSampleHr: number): void;
    /** The item ran out; its last frame ends at `endHr`. */
    onComplete(session: PlaySession, endHr: number): void;
}
/** One item on the output timeline, fed in 10 ms frames: frame n leaves at start + n × 10 ms. */
export declare class PlaySession {
    private readonly outputs;
    private readonly hooks;
    readonly entry: Entry;
    readonly resumed: boolean;
    readonly maxFrames: number;
    readonly zones: string[];
    readonly healthyZones: string[];
    readonly endReason: string | null;
    startHr: number;
    framesSent: number;
    exhausted: boolean;
    slippedMs: number;
    private timer;
    private stopped;
    constructor(init: PlaySessionInit, outputs: SpeakerOutputs, hooks: PlaySessionHooks);
    start(): void;
    /** Nothing more is sent (the player ends the item on the outputs). */
    stop(): void;
    private nextFrame;
    private sleep;
    /** Sends every frame that is due, then sleeps until the next one. */
    private readonly pump;
}
//# sourceMappingURL=play-session.d.ts.map