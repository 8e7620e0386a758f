import type { Speaker } from '@smart-commune/shared';
import type { DriverOptions, SpeakerDriver, SpeakerHealth } from './types.js';
/** ALSA output latency the player should expect: the device starts once this much is queued. */
export declare const ALSA_START_DELAY_US = 30000;
/** Small ALSA buffer: what was queued of a cut item still plays for at most this long. */
export declare const ALSA_BUFFER_US = 100000;
/**
 * A sound card (the cabinet's amplifier input) through `aplay` reading raw PCM on stdin. The aplay
 * process is started at an item's first frame and kept while items follow one another (the device is
 * opened once: no "device busy" between back-to-back or cut-in items); it is closed after
 * `idleCloseMs` without audio.
 */
export declare class AlsaDriver implements SpeakerDriver {
    readonly speaker: Speaker;
    private readonly options;
    private readonly idleCloseMs;
    private child;
    private stopping;
    private idleTimer;
    private stderr;
    private current;
    private readonly aplay;
    /** Processes started: 1 for any run of back-to-back items. */
    spawned: number;
    constructor(speaker: Speaker, options?: DriverOptions, idleCloseMs?: number);
    open(): Promise<void>;
    private ensureProcess;
    private fail;
    beginItem(): void;
    write(pcm: Buffer): void;
    endItem(): void;
    /** Ends aplay: drained (stdin closed) or at once (SIGTERM: aplay drops what it queued). */
    private release;
    health(): SpeakerHealth;
    /** While idle, opens the device with 10 ms of silence; while playing, the running aplay tells. */
    checkHealth(): Promise<SpeakerHealth>;
    close(): Promise<void>;
}
//# sourceMappingURL=alsa.d.ts.map