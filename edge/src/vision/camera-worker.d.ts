import type { CameraEvent, CameraSettings, CameraTelemetry } from '@smart-commune/shared';
import { type Logger } from '@smart-commune/shared/runtime';
import type { Detector } from './detector.js';
import type { Frame } from './frame.js';
import { type PipelineEvent } from './pipeline.js';
/** A rule hit with the camera's settings at the time; `frame` is valid only until the handler resolves. */
export type CameraHit = Extract<PipelineEvent, {
    type: 'rule-hit';
}> & {
    camera: string;
    settings: CameraSettings;
    streamUrl: string;
};
export interface CameraWorkerDeps {
    settings: CameraSettings;
    /** The box's one model, shared by its cameras. */
    detector: Detector;
    logger: Logger;
    onStatus(event: CameraEvent): void;
    /** Awaited: the pipeline waits, so the hit's frame stays valid meanwhile. */
    onHit(hit: CameraHit): Promise<void>;
    /** A tracked object stopped moving, moved again or is gone (review items follow them). */
    onTrack?(kind: 'stationary' | 'moving' | 'end', trackId: number, timeMs: number): Promise<void>;
    /** The stream URL changed (first connection or a new ONVIF answer): recording follows it. */
    onStream(streamUrl: string | null): void;
    backoff?: {
        initialMs: number;
        maxMs: number;
        jitter: number;
    };
    /** No frame for this long: the stream is stalled and reopened. Default 10 s. */
    stallTimeoutMs?: number;
}
/**
 * One camera, supervised: resolve its source, decode at the detect size and rate, run the pipeline,
 * hand hits over; on any failure report it, wait (backoff) and start again. Never throws out.
 */
export declare class CameraWorker {
    private readonly deps;
    readonly id: string;
    private readonly abort;
    private readonly backoff;
    private loop;
    private state;
    private error;
    private attempts;
    private lastFrameAt;
    private frameTimes;
    private snapshotRequests;
    constructor(deps: CameraWorkerDeps);
    get settings(): CameraSettings;
    start(): void;
    stop(): Promise<void>;
    telemetry(): CameraTelemetry;
    /** The next decoded frame (copied), for the technician's "current picture"; null when none comes in time. */
    nextFrame(timeoutMs: number): Promise<Frame | null>;
    private run;
    private streamOnce;
    /** The detect height that keeps the camera's picture undistorted at this width (16:9 if the stream cannot be probed). */
    private heightKeepingAspect;
    /** Counts frames for telemetry, marks the stream up, and serves snapshot requests, as frames pass by. */
    private observe;
    private setStatus;
}
//# sourceMappingURL=camera-worker.d.ts.map