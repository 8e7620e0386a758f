/** The edge's on-box video analytics: decode → motion → detection on regions → tracking → zones and rules. */
export { detectFile, modelLocation, type DetectFileOptions } from './detect-file.js';
export { DEFAULT_CLASSES, DEFAULT_CLASS_THRESHOLDS, DEFAULT_THRESHOLD, Detector, type DetectOptions, type Detection, type DetectorOptions, type ModelInfo } from './detector.js';
export type { Frame, PixelFormat } from './frame.js';
export { decodeFrames, FrameSourceError, probeVideo, StreamStalledError, type DecodeOptions, type VideoInfo } from './frames.js';
export type { Box, Point, Polygon } from './geometry.js';
export { decodeImage } from './image.js';
export { MODEL_INPUTS, ModelError, resolveModelDir, type ModelInput } from './model.js';
export { MotionDetector, type MotionOptions, type MotionResult } from './motion.js';
export { newCounters, runPipeline, type PipelineCounters, type PipelineEvent, type PipelineOptions } from './pipeline.js';
export { regionsForMotion, type RegionOptions } from './regions.js';
export { RuleEngine, type Rule, type RuleHit, type RuleOptions, type TimeWindow } from './rules.js';
export { Tracker, type Track, type TrackEvent, type TrackerOptions } from './tracker.js';
export { isMasked, ZonePresence, type Zone } from './zones.js';
export {
  CameraSourceError,
  cameraSourceErrorCodes,
  discoverCameras,
  DiscoveryError,
  fetchSnapshot,
  resolveCameraSource,
  withCredentials,
  type CameraSourceErrorCode,
  type DiscoverOptions,
  type ResolvedCamera,
  type ResolveOptions,
  type SnapshotCredentials,
  type SnapshotOptions,
} from './onvif/index.js';
export {
  ClipError,
  hashFile,
  RecorderError,
  renderSnapshot,
  startSegmentRecorder,
  writeClip,
  type ClipRequest,
  type RecorderStatus,
  type RenderSnapshotOptions,
  type Segment,
  type SegmentRecorder,
  type SegmentRecorderOptions,
  type WrittenClip,
  type WrittenSnapshot,
} from './recording/index.js';
export {
  liveViewSettingsSchema,
  startLiveView,
  type LiveCamera,
  type LiveView,
  type LiveViewCameraStatus,
  type LiveViewOptions,
  type LiveViewSettings,
} from './live-view/index.js';
