import type { Speaker } from '@smart-commune/shared';
import type { DriverOptions, SpeakerDriver } from './types.js';
export type { DriverOptions, SpeakerDriver, SpeakerHealth } from './types.js';
export { AlsaDriver, ALSA_BUFFER_US, ALSA_START_DELAY_US } from './alsa.js';
export { RtpDriver, RtpSender, rtpSdp, parseTarget, RTP_PAYLOAD_TYPE } from './rtp.js';
export { SimDriver } from './sim.js';
export { HealthPoller } from './health.js';
export declare function createDriver(speaker: Speaker, options?: DriverOptions): SpeakerDriver;
//# sourceMappingURL=index.d.ts.map