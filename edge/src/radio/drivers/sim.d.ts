import type { Speaker } from '@smart-commune/shared';
import { RtpDriver } from './rtp.js';
import type { DriverOptions } from './types.js';
/**
 * The simulated IP speaker of firmware-sim: the same RTP wire as a real one, and its `GET /status`
 * ({online, muted}; 503 when its "offline" fault is set) polled so the edge can report it.
 */
export declare class SimDriver extends RtpDriver {
    constructor(speaker: Speaker, options?: DriverOptions);
}
//# sourceMappingURL=sim.d.ts.map