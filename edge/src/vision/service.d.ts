import { type CameraEvent, type CameraTelemetry, type CommandRequest, type CommandResponse, type DiscoveredCamera, type SurveillanceSettings } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { EdgeIncidents } from '../incidents/incidents.js';
import type { LiveCamera } from './live-view/index.js';
import { type SegmentRecorder } from './recording/segment-recorder.js';
export interface EdgeVisionOptions {
    /** Recordings go to `{dataDir}/recordings/{camera}`. */
    dataDir: string;
    /** Where the YOLOX-Nano files are; default SC_MODEL_DIR. */
    modelDir?: string;
    incidents: EdgeIncidents;
    onCameraEvent(event: CameraEvent): void;
    logger: Logger;
}
/** Share of the storage budget for the recording rings; the rest is for incident media. */
export declare const RING_SHARE = 0.7;
/**
 * The box's cameras from the `surveillance` part of its config: one shared model, one supervised
 * worker (and recording ring) per enabled camera, converging on each new document without a restart.
 */
export declare class EdgeVision {
    private readonly options;
    private settings;
    private detector;
    private readonly running;
    private discoveryTimer;
    constructor(options: EdgeVisionOptions);
    /** Applies the cameras of a config document; a model that cannot load refuses the document (ModelError). */
    configure(settings: SurveillanceSettings): Promise<void>;
    /** Cameras with a known stream, for the technician's live view. */
    /** The camera's live recorder, if it records now (footage requests wait on it for a range still being recorded). */
    recorderOf(cameraId: string): SegmentRecorder | null;
    /** Where a camera's segments are, recording or not. */
    recordingDir(cameraId: string): string;
    liveCameras(): LiveCamera[];
    telemetry(): CameraTelemetry[];
    snapshot({ cameraId }: CommandRequest<'camera-snapshot'>): Promise<CommandResponse<'camera-snapshot'>>;
    discover({ timeoutMs, addresses }: CommandRequest<'discover-cameras'>): Promise<CommandResponse<'discover-cameras'>>;
    /** Probes the LAN soon and then every `everyMs`, reporting the devices found so a technician can adopt them. */
    startDiscovery(everyMs: number, onDevices: (devices: DiscoveredCamera[]) => void): void;
    stop(): Promise<void>;
    /** The camera is not streaming: ask the camera itself (its ONVIF snapshot URI). */
    private cameraSnapshot;
    /** The shared model for these cameras; loading another one stops the cameras of the old one first. */
    private detectorFor;
    private closeDetector;
    private startCamera;
    /** Keeps the camera's recording ring on the stream the worker reads. */
    private follow;
    private openIncident;
    private stopCamera;
}
//# sourceMappingURL=service.d.ts.map