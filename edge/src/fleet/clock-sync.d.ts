import { type ClockEstimate, type ClockSample } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
export interface ClockReading extends ClockEstimate {
    measuredAt: number;
}
/** The box's own clock. Tests give it a deliberate error (SC_EDGE_TEST_CLOCK_SKEW_MS) to prove the correction works. */
export type LocalClock = () => number;
export declare function systemClock(skewMs?: number): LocalClock;
/** One NTP-style exchange with the cloud's /api/v1/time. */
export declare function exchangeTime(cloudUrl: string, timeoutMs?: number, localNow?: LocalClock): Promise<ClockSample>;
/** A few exchanges at once, keeping the one with the lowest round trip (for `sc-edge doctor`). */
export declare function measureClockOffset(cloudUrl: string, samples?: number, timeoutMs?: number, localNow?: LocalClock): Promise<ClockReading>;
export interface ClockSyncOptions {
    /** Exchanges a second apart at start, so playback is corrected within seconds. Default 8. */
    burst: number;
    /** Then one exchange every this often. Default 15 s. */
    everyMs: number;
    /** Exchanges older than this are forgotten. Default 10 min. */
    windowMs: number;
    /** Assumed worst drift between the two clocks, so an old exchange counts as less exact than a new one. Default 50 ppm. */
    driftPpm: number;
}
/**
 * The sample to trust: the smallest error bound, half its round trip plus what the clocks may have
 * drifted since it was taken (chrony's dispersion, simplified). A quiet moment's exchange wins over
 * the many taken while the box or the network was busy, until it is too old.
 */
export declare function bestSample(samples: readonly (ClockSample & {
    takenAt: number;
})[], now: number, driftPpm: number): ClockSample | undefined;
/**
 * The box's estimate of its clock offset to the cloud, kept fresh by a steady trickle of exchanges,
 * and the corrected clock that playback timing and reports use: everything scheduled is in cloud time.
 */
export declare class ClockSync {
    private readonly cloudUrl;
    private readonly state;
    private readonly logger;
    readonly localNow: LocalClock;
    private reading;
    private timer;
    private samples;
    private readonly options;
    private failures;
    constructor(cloudUrl: string, state: StateStore, logger: Logger, localNow?: LocalClock, options?: Partial<ClockSyncOptions>);
    current(): ClockReading | null;
    /** Cloud time now, as well as this box knows it (its own clock until a measurement succeeds). */
    cloudNow(): number;
    /** The local-clock moment that corresponds to a cloud-clock moment. */
    toLocal(cloudTime: number): number;
    /** One exchange, added to the window; the reading follows the best sample in it. */
    sample(): Promise<ClockReading | null>;
    start(): void;
    stop(): void;
    private update;
}
//# sourceMappingURL=clock-sync.d.ts.map