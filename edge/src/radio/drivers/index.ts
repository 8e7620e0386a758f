import type { Speaker } from '@smart-commune/shared';
import { AlsaDriver } from './alsa.js';
import { RtpDriver } from './rtp.js';
import { SimDriver } from './sim.js';
import type { DriverOptions, SpeakerDriver } from './types.js';

export type { DriverOptions, SpeakerDriver, SpeakerHealth } from './types.js';
export { AlsaDriver, ALSA_BUFFER_US, ALSA_START_DELAY_US } from './alsa.js';
export { RtpDriver, RtpSender, rtpSdp, parseTarget, RTP_PAYLOAD_TYPE } from './rtp.js';
export { SimDriver } from './sim.js';
export { HealthPoller } from './health.js';

export function createDriver(speaker: Speaker, options: DriverOptions = {}): SpeakerDriver {
  switch (speaker.driver) {
    case 'alsa':
      return new AlsaDriver(speaker, options);
    case 'rtp':
      return new RtpDriver(speaker, options);
    case 'sim':
      return new SimDriver(speaker, options);
  }
}
