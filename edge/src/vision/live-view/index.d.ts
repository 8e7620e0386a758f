/** Live view for technicians: a camera's picture with its zones, from the cabinet LAN. */
export { LiveViewAccess, MIN_PASSWORD_LENGTH, SESSION_COOKIE } from './access.js';
export { liveViewSettingsSchema, type LiveViewSettings } from './config.js';
export type { LiveCamera } from './page.js';
export { startLiveView, type LiveView, type LiveViewCameraStatus, type LiveViewOptions } from './server.js';
//# sourceMappingURL=index.d.ts.map