/** `stream-stopped`: the RTSP server is gone (connection refused). `stream-stalled`: RTSP accepts and
 * answers but sends no frames. `unreachable`: ONVIF, snapshot, discovery and RTSP all down. */
export type CameraFault = 'stream-stopped' | 'stream-stalled' | 'unreachable';
export const CAMERA_FAULTS: readonly CameraFault[] = ['stream-stopped', 'stream-stalled', 'unreachable'];
