export declare class DecodeError extends Error {
    name: string;
}
/** Decodes a whole file (Opus, MP3, anything ffmpeg reads) to s16le 48 kHz mono PCM in memory. */
export declare function decodeFile(path: string, ffmpegPath?: string): Promise<Buffer>;
export interface LiveDecoderOptions {
    ffmpegPath?: string;
    /** Audio kept while waiting to play; older audio is dropped (a live relay keeps the newest). */
    maxBufferMs?: number;
}
/**
 * A live relay decoded by ffmpeg at its native rate (-re), buffered in memory. Started a little
 * before the item's window; the player reads 10 ms frames from it and gets silence on an underrun.
 */
export declare class LiveDecoder {
    readonly url: string;
    private readonly child;
    private readonly chunks;
    private buffered;
    private readonly maxBytes;
    private stderr;
    private ended;
    private exitCode;
    private readonly waiters;
    underruns: number;
    constructor(url: string, options?: LiveDecoderOptions);
    private discard;
    private finish;
    private wake;
    get bufferedBytes(): number;
    get done(): boolean;
    /** Why the relay stopped, when it did with an error. */
    get error(): string | null;
    /** Resolves once `bytes` are buffered or the relay ended; true when there is audio to play. */
    waitFor(bytes: number, timeoutMs: number): Promise<boolean>;
    /** The next frame: audio when buffered, silence on an underrun, null once the relay ended and is drained. */
    read(): Buffer | null;
    close(): void;
}
//# sourceMappingURL=decode.d.ts.map