/** ONVIF and RTSP cameras: where to read them, finding them on the LAN, their snapshot. */
export { CameraSourceError, cameraSourceErrorCodes, classifyCameraError, type CameraSourceErrorCode } from './errors.js';
export { discoverCameras, DiscoveryError, type DiscoverOptions } from './discovery.js';
export { resolveCameraSource, withCredentials, type ResolvedCamera, type ResolveOptions } from './resolve.js';
export { fetchSnapshot, type SnapshotCredentials, type SnapshotOptions } from './snapshot.js';
//# sourceMappingURL=index.d.ts.map