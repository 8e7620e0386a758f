import { type Frame, type PixelFormat } from './frame.js';
/** ffmpeg could not open or keep reading a source; `stderr` holds its last lines (credentials masked). */
export declare class FrameSourceError extends Error {
    readonly source: string;
    readonly stderr: readonly string[];
    constructor(message: string, source: string, stderr: readonly string[]);
}
/** The source opened (or not) but no data came for the timeout: a dead camera, a hung link, a FIFO nobody writes. */
export declare class StreamStalledError extends FrameSourceError {
    name: string;
}
export interface DecodeOptions {
    width: number;
    height: number;
    fps: number;
    pixelFormat: PixelFormat;
    /** No data from ffmpeg for this long while the consumer waits: StreamStalledError. Default 10 s. */
    timeoutMs?: number;
    /** Read the source at its own pace, as a live camera delivers (ffmpeg -re). */
    realtime?: boolean;
    /** Start again at the end of a file (ffmpeg -stream_loop -1). */
    loop?: boolean;
    /** Stop after this many seconds of video. */
    durationS?: number;
    /**
     * When the consumer falls behind: 'wait' holds ffmpeg back (files), 'drop' discards the oldest unread
     * frame (live sources, so that latency stays bounded). Default 'drop' for URLs and realtime, else 'wait'.
     */
    whenBehind?: 'wait' | 'drop';
    /** Frames decoded ahead of the consumer; default 3. */
    buffers?: number;
    /** A frame stays valid until this many more frames after the next have been asked for; default 0. */
    heldFrames?: number;
    /** Time of frame 0 (ms since the epoch), the others follow at 1/fps; default when decoding starts. */
    startTimeMs?: number;
    /** Stops decoding: the iteration ends (without error) even while it waits for a frame. */
    signal?: AbortSignal;
}
/** Masks the password of URLs like rtsp://user:password@camera/stream. */
export declare function maskCredentials(text: string): string;
export declare function ffmpegArgs(source: string, o: DecodeOptions): string[];
/**
 * Raw frames from a file or a stream URL, decoded and scaled by ffmpeg. Each frame's data is one of
 * a few preallocated buffers that stdout is copied into exactly once; it stays valid until the next
 * frame is asked for (or `heldFrames` frames later). Failures end the iteration with a FrameSourceError (StreamStalledError when
 * nothing comes); leaving the loop early stops ffmpeg.
 */
export declare function decodeFrames(source: string, options: DecodeOptions): AsyncGenerator<Frame>;
export interface VideoInfo {
    width: number;
    height: number;
    fps: number;
    /** Width over height as the picture is shown: encoders such as 704x576 ones have non-square pixels. */
    aspect: number;
}
/** Size, frame rate and shown aspect of a video's first stream (ffprobe; RTSP over TCP, as it is decoded). */
export declare function probeVideo(source: string, options?: {
    signal?: AbortSignal;
}): Promise<VideoInfo>;
//# sourceMappingURL=frames.d.ts.map