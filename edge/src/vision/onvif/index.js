/** ONVIF and RTSP cameras: where to read them, finding them on the LAN, their snapshot. */
export { CameraSourceError, cameraSourceErrorCodes, classifyCameraError } from './errors.js';
export { discoverCameras, DiscoveryError } from './discovery.js';
export { resolveCameraSource, withCredentials } from './resolve.js';
export { fetchSnapshot } from './snapshot.js';
//# sourceMappingURL=index.js.map