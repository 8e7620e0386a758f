import { type ClockMap, type PlayerClock } from './timing.js';
/** A start instant: in cloud time, and the same instant on the monotonic clock. */
export interface StartInstant {
    cloud: number;
    hr: number;
}
/**
 * Wakes the player for the next start: a timer `armLeadMs` before it, then the last stretch waited
 * without spinning to within FIRST_FRAME_EARLY_MS, where the session places the first sample exactly.
 */
export declare class StartTimer {
    private readonly clock;
    private readonly clockMap;
    private readonly armLeadMs;
    /** The start instant has come (the player decides what starts). */
    private readonly onStart;
    /** The timer woke far too early (the local clock moved): the player arms again. */
    private readonly onEarly;
    private timer;
    private armedFor;
    private generation;
    private stopped;
    constructor(clock: PlayerClock, clockMap: ClockMap, armLeadMs: number, 
    /** The start instant has come (the player decides what starts). */
    onStart: (at: StartInstant) => void, 
    /** The timer woke far too early (the local clock moved): the player arms again. */
    onEarly: () => void);
    /** Arms for the next start (cloud time), Infinity for none; the same start again leaves the timer as it is. */
    arm(nextStart: number): void;
    stop(): void;
    private startPrecisely;
}
//# sourceMappingURL=start-timer.d.ts.map