import { FIRST_FRAME_EARLY_MS } from './play-session.js';
import { hrNow, waitUntilNear } from './timing.js';
/**
 * Wakes the player for the next start: a timer `armLeadMs` before it, then the last stretch waited
 * without spinning to within FIRST_FRAME_EARLY_MS, where the session places the first sample exactly.
 */
export class StartTimer {
    clock;
    clockMap;
    armLeadMs;
    onStart;
    onEarly;
    timer = null;
    armedFor = null;
    generation = 0;
    stopped = false;
    constructor(clock, clockMap, armLeadMs, 
    /** The start instant has come (the player decides what starts). */
    onStart, 
    /** The timer woke far too early (the local clock moved): the player arms again. */
    onEarly) {
        this.clock = clock;
        this.clockMap = clockMap;
        this.armLeadMs = armLeadMs;
        this.onStart = onStart;
        this.onEarly = onEarly;
    }
    /** Arms for the next start (cloud time), Infinity for none; the same start again leaves the timer as it is. */
    arm(nextStart) {
        if (this.stopped || nextStart === this.armedFor)
            return;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
        this.armedFor = null;
        const generation = ++this.generation;
        if (nextStart === Infinity)
            return;
        this.armedFor = nextStart;
        const delay = Math.max(0, this.clock.toLocal(nextStart) - this.clock.localNow() - this.armLeadMs);
        this.timer = setTimeout(() => void this.startPrecisely(nextStart, generation), Math.min(delay, 2 ** 31 - 1));
        this.timer.unref();
    }
    stop() {
        this.stopped = true;
        if (this.timer)
            clearTimeout(this.timer);
        this.generation++;
    }
    async startPrecisely(cloudTime, generation) {
        const cancelled = () => generation !== this.generation || this.stopped;
        // a quiet moment (well before the start) to renew the clock correlation if it is old
        this.clockMap.renew();
        const target = this.clockMap.cloudToHr(cloudTime);
        if (target - hrNow() > this.armLeadMs * 2) {
            this.armedFor = null;
            if (!cancelled())
                this.onEarly();
            return;
        }
        if (!(await waitUntilNear(target, FIRST_FRAME_EARLY_MS - 1, cancelled)))
            return;
        this.armedFor = null;
        this.onStart({ cloud: cloudTime, hr: target });
    }
}
//# sourceMappingURL=start-timer.js.map