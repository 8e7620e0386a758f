import type { SpeakerHealth } from './types.js';
/**
 * Polls a speaker's status URL. `http`: any 2xx answer is healthy. `sim`: the simulated speaker's
 * `GET /status` JSON ({online, muted}); 503 or no answer is offline.
 */
export declare class HealthPoller {
    readonly url: string;
    private readonly interpret;
    private readonly everyMs;
    private readonly timeoutMs;
    current: SpeakerHealth;
    private timer;
    constructor(url: string, interpret: 'http' | 'sim', everyMs: number, timeoutMs?: number);
    start(): void;
    stop(): void;
    check(): Promise<SpeakerHealth>;
}
//# sourceMappingURL=health.d.ts.map