/**
 * What the player needs of the box's clock: ClockSync satisfies it. Everything scheduled is in
 * cloud time; timers run on the local clock; pacing runs on the monotonic clock (performance.now).
 */
export interface PlayerClock {
    cloudNow(): number;
    toLocal(cloudTime: number): number;
    localNow(): number;
}
export declare const hrNow: () => number;
/**
 * A (local clock, monotonic clock) pair read at the instant the local clock ticks, so a millisecond
 * clock such as Date.now() maps to the monotonic clock to well under a millisecond. The tick lies
 * between the last read that still saw the old value and the first that saw the new one; a pair
 * whose two reads were far apart (the process was descheduled between them, as happens when several
 * daemons share a core) is not trusted and the next tick is tried, within `budgetMs`.
 */
export declare function correlate(localNow: () => number, budgetMs?: number): {
    local: number;
    hr: number;
};
/**
 * Maps cloud time to the monotonic clock and back with one correlation, renewed when older than a
 * few seconds (renew() at a quiet moment, e.g. when a start is armed, not at the start itself).
 */
export declare class ClockMap {
    private readonly clock;
    private pair;
    constructor(clock: PlayerClock);
    /** Takes a fresh correlation when the current one is old. */
    renew(): void;
    /** The monotonic instant that corresponds to a cloud-clock instant. */
    cloudToHr(cloudTime: number): number;
    /** The cloud-clock instant that corresponds to a monotonic instant (sub-millisecond, unlike cloudNow()). */
    hrToCloud(hrTime: number): number;
}
/**
 * Waits until shortly before a monotonic instant without burning CPU: a timer while far, then a
 * blocking sleep (Atomics.wait, sub-millisecond) for what the timer left above `earlyMs`. The
 * caller places the first sample exactly by prepending silence for the `earlyMs` or less that
 * remain, so nothing spins: with nine daemons on two cores, spinning ones take the CPU from the ones
 * whose start it is. False when cancelled first.
 */
export declare function waitUntilNear(target: number, earlyMs: number, cancelled?: () => boolean): Promise<boolean>;
//# sourceMappingURL=timing.d.ts.map