import type { Logger } from '@smart-commune/shared/runtime';
import { type LiveCamera } from './page.js';
export interface LiveViewOptions {
    /** Default 0.0.0.0: a technician's laptop on the cabinet LAN; every page and stream needs the password. */
    host?: string;
    /** Default 8090; 0 picks a free one. */
    port?: number;
    /** The box's cameras as they are now; read on each request. */
    cameras: () => LiveCamera[];
    /** The box's live-view password (at least 8 characters). */
    password: string;
    logger: Logger;
    /** Width of the relayed picture; default 640. */
    width?: number;
    /** MPEG-1 bit rate; default 1000k. */
    bitrate?: string;
    ffmpegPath?: string;
}
export interface LiveViewCameraStatus {
    cameraId: string;
    viewers: number;
    ffmpegPid: number | undefined;
}
export interface LiveView {
    /** http://host:port/ */
    readonly url: string;
    /** Where a technician on the cabinet LAN opens it: the bound address, or each LAN address when bound to all. */
    readonly lanUrls: string[];
    readonly port: number;
    /** Re-reads `cameras()`: viewers of a removed camera or of one whose stream URL changed are disconnected. */
    updateCameras(): Promise<void>;
    /** A new password; every session ends (open streams keep playing until their viewers leave). */
    setPassword(password: string): void;
    status(): LiveViewCameraStatus[];
    /** Disconnects everyone, stops every ffmpeg, closes the port. */
    stop(): Promise<void>;
}
/**
 * The live view a technician opens from the cabinet LAN to aim a camera and check its zones: a small
 * Vietnamese page per camera with JSMpeg (served from this box, no CDN) and the zones drawn over the
 * picture, and a websocket per camera relaying its stream as MPEG-1 (ffmpeg only while watched).
 * Every page and stream needs the box's live-view password (session cookie or Bearer).
 */
export declare function startLiveView(options: LiveViewOptions): Promise<LiveView>;
//# sourceMappingURL=server.d.ts.map