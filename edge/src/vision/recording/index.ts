/**
 * Evidence recording on the edge: what an incident carries besides its metadata.
 *
 * - `startSegmentRecorder({ cameraId, url, dir, maxMinutes, maxBytes, logger })` records one camera
 *   without re-encoding into a ring of ~2 s MPEG-TS segments in `dir` (`{startMs}-{endMs}.ts`), deleting
 *   the oldest beyond `maxMinutes` or `maxBytes`. It supervises ffmpeg (restarts with backoff, never
 *   throws; `status()` and `onError` tell how it goes) until `stop()`.
 * - `writeClip(recorder, { fromMs, toMs, outPath })` waits until the ring covers `toMs` (post-capture),
 *   then writes that window as a faststart MP4 by stream copy and returns its sha256, size, presented
 *   duration and wall-clock start.
 * - `renderSnapshot(frame, detections, outPath)` writes a bgr24 frame as a JPEG with boxes and labels.
 * - `hashFile(path)`: sha256 of a file, streamed.
 *
 * Clips and snapshots appear at their path only when complete (written to a temporary name, renamed).
 */
export { ClipError, writeClip, type ClipRequest, type WrittenClip } from './clip.js';
export { hashFile } from './hash-file.js';
export { RecorderError, startSegmentRecorder, type RecorderStatus, type SegmentRecorder, type SegmentRecorderOptions } from './segment-recorder.js';
export type { Segment } from './segment-ring.js';
export { BOX_COLOURS, boxColour, DEFAULT_BOX_COLOUR, defaultLabel, renderSnapshot, type RenderSnapshotOptions, type WrittenSnapshot } from './snapshot.js';
