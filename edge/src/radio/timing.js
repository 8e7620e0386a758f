import { performance } from 'node:perf_hooks';
export const hrNow = () => performance.now();
/** A correlation is trusted when the local clock's tick was seen within this much monotonic time. */
const CORRELATION_UNCERTAINTY_MS = 0.1;
/**
 * A (local clock, monotonic clock) pair read at the instant the local clock ticks, so a millisecond
 * clock such as Date.now() maps to the monotonic clock to well under a millisecond. The tick lies
 * between the last read that still saw the old value and the first that saw the new one; a pair
 * whose two reads were far apart (the process was descheduled between them, as happens when several
 * daemons share a core) is not trusted and the next tick is tried, within `budgetMs`.
 */
export function correlate(localNow, budgetMs = 4) {
    const deadline = performance.now() + budgetMs;
    let best = null;
    let previous = localNow();
    let previousHr = performance.now();
    for (;;) {
        const local = localNow();
        const hr = performance.now();
        if (local !== previous) {
            const uncertainty = hr - previousHr;
            if (!best || uncertainty < best.uncertainty)
                best = { local, hr, uncertainty };
            if (uncertainty <= CORRELATION_UNCERTAINTY_MS)
                break;
        }
        if (hr > deadline)
            break;
        previous = local;
        previousHr = hr;
    }
    return best ?? { local: localNow(), hr: performance.now() };
}
/** A correlation is reused this long: the local clock may be slewed by NTP, so it is taken again from time to time. */
const CORRELATION_MAX_AGE_MS = 5000;
/**
 * Maps cloud time to the monotonic clock and back with one correlation, renewed when older than a
 * few seconds (renew() at a quiet moment, e.g. when a start is armed, not at the start itself).
 */
export class ClockMap {
    clock;
    pair = null;
    constructor(clock) {
        this.clock = clock;
    }
    /** Takes a fresh correlation when the current one is old. */
    renew() {
        if (!this.pair || hrNow() - this.pair.hr > CORRELATION_MAX_AGE_MS)
            this.pair = correlate(() => this.clock.localNow());
    }
    /** The monotonic instant that corresponds to a cloud-clock instant. */
    cloudToHr(cloudTime) {
        this.renew();
        const { local, hr } = this.pair;
        return hr + (this.clock.toLocal(cloudTime) - local);
    }
    /** The cloud-clock instant that corresponds to a monotonic instant (sub-millisecond, unlike cloudNow()). */
    hrToCloud(hrTime) {
        this.renew();
        const { local, hr } = this.pair;
        const offset = local - this.clock.toLocal(local);
        return local + (hrTime - hr) + offset;
    }
}
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/**
 * Waits until shortly before a monotonic instant without burning CPU: a timer while far, then a
 * blocking sleep (Atomics.wait, sub-millisecond) for what the timer left above `earlyMs`. The
 * caller places the first sample exactly by prepending silence for the `earlyMs` or less that
 * remain, so nothing spins: with nine daemons on two cores, spinning ones take the CPU from the ones
 * whose start it is. False when cancelled first.
 */
export async function waitUntilNear(target, earlyMs, cancelled = () => false) {
    for (;;) {
        if (cancelled())
            return false;
        const left = target - performance.now();
        if (left <= earlyMs)
            return true;
        // timers fire 0–2 ms late: aim a little earlier than the window
        if (left > earlyMs + 2)
            await new Promise((r) => setTimeout(r, left - earlyMs - 2));
        else {
            Atomics.wait(sleeper, 0, 0, left - earlyMs / 2);
            return !cancelled();
        }
    }
}
//# sourceMappingURL=timing.js.map