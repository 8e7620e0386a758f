import { AlsaDriver } from './alsa.js';
import { RtpDriver } from './rtp.js';
import { SimDriver } from './sim.js';
export { AlsaDriver, ALSA_BUFFER_US, ALSA_START_DELAY_US } from './alsa.js';
export { RtpDriver, RtpSender, rtpSdp, parseTarget, RTP_PAYLOAD_TYPE } from './rtp.js';
export { SimDriver } from './sim.js';
export { HealthPoller } from './health.js';
export function createDriver(speaker, options = {}) {
    switch (speaker.driver) {
        case 'alsa':
            return new AlsaDriver(speaker, options);
        case 'rtp':
            return new RtpDriver(speaker, options);
        case 'sim':
            return new SimDriver(speaker, options);
    }
}
//# sourceMappingURL=index.js.map