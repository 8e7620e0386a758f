import { estimateClockOffset, timeResponseSchema } from '@smart-commune/shared';
export function systemClock(skewMs = 0) {
    return skewMs === 0 ? Date.now : () => Date.now() + skewMs;
}
/** One NTP-style exchange with the cloud's /api/v1/time. */
export async function exchangeTime(cloudUrl, timeoutMs = 3000, localNow = Date.now) {
    const t0 = localNow();
    const res = await fetch(new URL('/api/v1/time', cloudUrl), { signal: AbortSignal.timeout(timeoutMs) });
    const t3 = localNow();
    const parsed = timeResponseSchema.safeParse(await res.json());
    if (!res.ok || !parsed.success)
        throw new Error(`unexpected answer from ${cloudUrl}/api/v1/time (HTTP ${res.status})`);
    return { t0, t1: parsed.data.receivedAt, t2: parsed.data.sentAt, t3 };
}
/** A few exchanges at once, keeping the one with the lowest round trip (for `sc-edge doctor`). */
export async function measureClockOffset(cloudUrl, samples = 5, timeoutMs = 3000, localNow = Date.now) {
    const collected = [];
    let lastError = null;
    for (let i = 0; i < samples; i++) {
        try {
            collected.push(await exchangeTime(cloudUrl, timeoutMs, localNow));
        }
        catch (err) {
            lastError = err;
        }
    }
    const estimate = estimateClockOffset(collected);
    if (!estimate)
        throw new Error(`could not reach the cloud clock: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
    return { ...estimate, measuredAt: localNow() };
}
const DEFAULTS = { burst: 8, everyMs: 15_000, windowMs: 10 * 60_000, driftPpm: 50 };
/**
 * The sample to trust: the smallest error bound, half its round trip plus what the clocks may have
 * drifted since it was taken (chrony's dispersion, simplified). A quiet moment's exchange wins over
 * the many taken while the box or the network was busy, until it is too old.
 */
export function bestSample(samples, now, driftPpm) {
    let best;
    let bestBound = Infinity;
    for (const s of samples) {
        const rtt = s.t3 - s.t0 - (s.t2 - s.t1);
        if (rtt < 0)
            continue;
        const bound = rtt / 2 + (now - s.takenAt) * driftPpm * 1e-6;
        if (bound < bestBound) {
            best = s;
            bestBound = bound;
        }
    }
    return best;
}
/**
 * The box's estimate of its clock offset to the cloud, kept fresh by a steady trickle of exchanges,
 * and the corrected clock that playback timing and reports use: everything scheduled is in cloud time.
 */
export class ClockSync {
    cloudUrl;
    state;
    logger;
    localNow;
    reading = null;
    timer = null;
    samples = [];
    options;
    failures = 0;
    constructor(cloudUrl, state, logger, localNow = Date.now, options = {}) {
        this.cloudUrl = cloudUrl;
        this.state = state;
        this.logger = logger;
        this.localNow = localNow;
        this.options = { ...DEFAULTS, ...options };
        this.reading = state.get('clock')?.value ?? null;
    }
    current() {
        return this.reading;
    }
    /** Cloud time now, as well as this box knows it (its own clock until a measurement succeeds). */
    cloudNow() {
        return this.localNow() + (this.reading?.offsetMs ?? 0);
    }
    /** The local-clock moment that corresponds to a cloud-clock moment. */
    toLocal(cloudTime) {
        return cloudTime - (this.reading?.offsetMs ?? 0);
    }
    /** One exchange, added to the window; the reading follows the best sample in it. */
    async sample() {
        try {
            const sample = await exchangeTime(this.cloudUrl, 3000, this.localNow);
            const now = this.localNow();
            this.samples = [...this.samples.filter((s) => s.takenAt > now - this.options.windowMs), { ...sample, takenAt: now }];
            const best = bestSample(this.samples, now, this.options.driftPpm);
            const estimate = best && estimateClockOffset([best]);
            if (estimate)
                this.update({ ...estimate, samples: this.samples.length, measuredAt: now });
            this.failures = 0;
        }
        catch (err) {
            if (this.failures++ === 0)
                this.logger.warn({ err: err.message }, 'clock offset not measured');
        }
        return this.reading;
    }
    start() {
        this.timer = setInterval(() => void this.sample(), this.options.everyMs);
        this.timer.unref();
        void (async () => {
            for (let i = 0; i < this.options.burst && this.timer !== null; i++) {
                await this.sample();
                await new Promise((r) => setTimeout(r, 1000).unref());
            }
        })();
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
    update(reading) {
        const moved = this.reading ? Math.abs(reading.offsetMs - this.reading.offsetMs) : Infinity;
        this.reading = reading;
        this.state.set('clock', reading);
        if (moved > 1)
            this.logger.debug({ offsetMs: reading.offsetMs, roundTripMs: reading.roundTripMs }, 'clock offset measured');
    }
}
//# sourceMappingURL=clock-sync.js.map