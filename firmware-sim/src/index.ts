export { startDemo, type DemoOptions, type RunningDemo } from './demo.js';
export { CloudClient, type EdgeSummary } from './cloud-client.js';
export { ensureProvisioned, boxName, type HamletBox } from './hamlet-box.js';
export {
  startSimCamera,
  startCommuneCameras,
  defaultClip,
  prepareClip,
  CAMERA_FAULTS,
  type CameraFault,
  type SimCamera,
  type SimCameraOptions,
  type SimCameraStatus,
  type SimCameraConfig,
  type CommuneCameras,
  type CommuneCamerasOptions,
} from './cameras/index.js';
