/** The part of node-rtsp-stream (untyped CommonJS) the live view uses: its ffmpeg MPEG-1 muxer. */
declare module 'node-rtsp-stream/mpeg1muxer.js' {
  import type { ChildProcessWithoutNullStreams } from 'node:child_process';
  import type { EventEmitter } from 'node:events';

  interface Mpeg1MuxerOptions {
    /** Placed after `-i url`: ffmpeg runs `-i url -f mpegts -codec:v mpeg1video <options…> -`. */
    url: string;
    /** Flag → value ('' for a flag without value), in order. */
    ffmpegOptions?: Record<string, string | number>;
    ffmpegPath: string;
  }

  interface Mpeg1Muxer extends EventEmitter {
    readonly stream: ChildProcessWithoutNullStreams;
    on(event: 'mpeg1data', listener: (data: Buffer) => void): this;
    on(event: 'ffmpegStderr', listener: (data: Buffer) => void): this;
    on(event: 'exitWithError', listener: () => void): this;
  }

  const Mpeg1Muxer: new (options: Mpeg1MuxerOptions) => Mpeg1Muxer;
  export default Mpeg1Muxer;
}
