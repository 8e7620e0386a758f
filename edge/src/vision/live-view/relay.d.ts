import type { Logger } from '@smart-commune/shared/runtime';
import type { WebSocket } from 'ws';
export interface RelayOptions {
    /** Width of the relayed picture (height keeps the aspect ratio). */
    width: number;
    /** MPEG-1 bit rate, e.g. '800k'. */
    bitrate: string;
    ffmpegPath?: string;
    logger: Logger;
}
/**
 * One camera's stream relayed to its websocket viewers as MPEG-TS with MPEG-1 video (what JSMpeg
 * plays), transcoded by node-rtsp-stream's ffmpeg muxer. ffmpeg runs only while someone watches: the
 * first viewer starts it, the last one leaving stops it. When ffmpeg ends (camera gone), the viewers
 * are closed; their players reconnect on their own, which starts it again.
 */
export declare class CameraRelay {
    readonly cameraId: string;
    readonly streamUrl: string;
    private readonly options;
    private readonly viewers;
    private muxer;
    private exited;
    private stderr;
    constructor(cameraId: string, streamUrl: string, options: RelayOptions);
    get viewerCount(): number;
    /** The running ffmpeg's pid, if any. */
    get ffmpegPid(): number | undefined;
    add(socket: WebSocket): void;
    /** Closes every viewer and stops ffmpeg; resolves when ffmpeg is gone. */
    close(code?: number, reason?: string): Promise<void>;
    private remove;
    private start;
    private broadcast;
    private stopFfmpeg;
}
//# sourceMappingURL=relay.d.ts.map