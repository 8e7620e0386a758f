export {
  startSimCamera,
  CAMERA_FAULTS,
  type CameraFault,
  type SimCamera,
  type SimCameraOptions,
  type SimCameraPorts,
  type SimCameraStatus,
} from './sim-camera.js';
export { startCommuneCameras, defaultClip, type CommuneCameras, type CommuneCamerasOptions, type SimCameraConfig } from './launcher.js';
export { prepareClip, defaultCacheDir, type PreparedClip } from './clip-cache.js';
