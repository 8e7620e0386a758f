import { RtpDriver } from './rtp.js';
/**
 * The simulated IP speaker of firmware-sim: the same RTP wire as a real one, and its `GET /status`
 * ({online, muted}; 503 when its "offline" fault is set) polled so the edge can report it.
 */
export class SimDriver extends RtpDriver {
    constructor(speaker, options = {}) {
        super(speaker, options, 'sim');
    }
}
//# sourceMappingURL=sim.js.map