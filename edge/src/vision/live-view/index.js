/** Live view for technicians: a camera's picture with its zones, from the cabinet LAN. */
export { LiveViewAccess, MIN_PASSWORD_LENGTH, SESSION_COOKIE } from './access.js';
export { liveViewSettingsSchema } from './config.js';
export { startLiveView } from './server.js';
//# sourceMappingURL=index.js.map