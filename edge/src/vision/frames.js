import { execFile, spawn } from 'node:child_process';
import { countChildProcess } from '../child-processes.js';
import { bytesPerPixel } from './frame.js';
/** ffmpeg could not open or keep reading a source; `stderr` holds its last lines (credentials masked). */
export class FrameSourceError extends Error {
    source;
    stderr;
    constructor(message, source, stderr) {
        super(message);
        this.source = source;
        this.stderr = stderr;
        this.name = 'FrameSourceError';
    }
}
/** The source opened (or not) but no data came for the timeout: a dead camera, a hung link, a FIFO nobody writes. */
export class StreamStalledError extends FrameSourceError {
    name = 'StreamStalledError';
}
const STDERR_LINES = 20;
/** Masks the password of URLs like rtsp://user:password@camera/stream. */
export function maskCredentials(text) {
    return text.replace(/(\/\/[^:/@\s]+):[^@/\s]+@/g, '$1:***@');
}
function isUrl(source) {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !source.startsWith('file:');
}
export function ffmpegArgs(source, o) {
    return [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
        ...(source.startsWith('rtsp://') ? ['-rtsp_transport', 'tcp'] : []),
        ...(o.realtime ? ['-re'] : []),
        ...(o.loop ? ['-stream_loop', '-1'] : []),
        ...['-i', source, '-an', '-sn', '-dn'],
        ...(o.durationS !== undefined ? ['-t', String(o.durationS)] : []),
        ...['-vf', `fps=${o.fps},scale=${o.width}:${o.height}`, '-pix_fmt', o.pixelFormat, '-f', 'rawvideo', 'pipe:1'],
    ];
}
/**
 * Raw frames from a file or a stream URL, decoded and scaled by ffmpeg. Each frame's data is one of
 * a few preallocated buffers that stdout is copied into exactly once; it stays valid until the next
 * frame is asked for (or `heldFrames` frames later). Failures end the iteration with a FrameSourceError (StreamStalledError when
 * nothing comes); leaving the loop early stops ffmpeg.
 */
export async function* decodeFrames(source, options) {
    const { width, height, fps } = options;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0 && fps > 0)) {
        throw new RangeError(`decodeFrames: bad size ${width}x${height} or fps ${fps}`);
    }
    const reader = new FrameReader(source, options);
    try {
        for (;;) {
            const frame = await reader.next();
            if (!frame)
                return;
            yield frame;
        }
    }
    finally {
        reader.close();
    }
}
class FrameReader {
    options;
    child;
    frameSize;
    free = [];
    ready = [];
    stderr = [];
    drop;
    startTimeMs;
    watchdog;
    filling;
    filled = 0;
    pending;
    /** Buffers handed to the consumer, oldest first, still valid for it. */
    inUse = [];
    produced = 0;
    paused = false;
    ended = false;
    closed = false;
    failure;
    wake;
    partialLine = '';
    onAbort = () => this.close();
    constructor(source, options) {
        this.options = options;
        this.frameSize = options.width * options.height * bytesPerPixel(options.pixelFormat);
        for (let i = 0; i < (options.buffers ?? 3) + 1 + (options.heldFrames ?? 0); i++)
            this.free.push(Buffer.allocUnsafe(this.frameSize));
        this.drop = (options.whenBehind ?? (isUrl(source) || options.realtime ? 'drop' : 'wait')) === 'drop';
        this.startTimeMs = options.startTimeMs ?? Date.now();
        const timeoutMs = options.timeoutMs ?? 10_000;
        this.watchdog = setTimeout(() => {
            if (this.paused)
                return void this.watchdog.refresh(); // the consumer is slow, not the source
            this.fail(new StreamStalledError(`no video from ${maskCredentials(source)} for ${timeoutMs / 1000} s${this.lastWords()}`, maskCredentials(source), this.stderr));
        }, timeoutMs);
        countChildProcess('ffmpeg');
        this.child = spawn('ffmpeg', ffmpegArgs(source, options), { stdio: ['ignore', 'pipe', 'pipe'] });
        this.child.stdout.on('data', (chunk) => this.onData(chunk));
        this.child.stderr.setEncoding('utf8').on('data', (text) => this.onStderr(text));
        this.child.once('error', (err) => {
            const why = err.code === 'ENOENT' ? 'ffmpeg is not installed (apt-get install ffmpeg)' : err.message;
            this.fail(new FrameSourceError(`cannot decode ${maskCredentials(source)}: ${why}`, maskCredentials(source), []));
        });
        this.child.once('close', (code, signal) => {
            clearTimeout(this.watchdog);
            if (code === 0)
                this.ended = true;
            else
                this.fail(new FrameSourceError(`ffmpeg could not read ${maskCredentials(source)} (${signal ?? `exit ${code}`})${this.lastWords()}`, maskCredentials(source), this.stderr));
            this.notify();
        });
        options.signal?.addEventListener('abort', this.onAbort, { once: true });
        if (options.signal?.aborted)
            this.close();
    }
    /** Gives back the oldest held frame's buffer and waits for the next frame; undefined at the end. */
    async next() {
        if (this.inUse.length > (this.options.heldFrames ?? 0)) {
            this.free.push(this.inUse.shift());
            this.resume();
        }
        while (this.ready.length === 0 && !this.failure && !this.ended && !this.closed)
            await new Promise((resolve) => (this.wake = resolve));
        const next = this.closed ? undefined : this.ready.shift();
        if (!next) {
            if (this.failure)
                throw this.failure;
            return undefined;
        }
        this.inUse.push(next.data);
        const { width, height, pixelFormat, fps } = this.options;
        return { data: next.data, width, height, pixelFormat, index: next.index, timeMs: this.startTimeMs + (next.index * 1000) / fps };
    }
    close() {
        this.closed = true;
        this.options.signal?.removeEventListener('abort', this.onAbort);
        this.stop();
        this.notify();
    }
    stop() {
        clearTimeout(this.watchdog);
        if (this.child.exitCode === null && this.child.signalCode === null)
            this.child.kill('SIGKILL');
    }
    onData(chunk) {
        if (this.closed || this.failure)
            return; // ffmpeg is being killed; what it still sent is not wanted
        this.watchdog.refresh();
        let offset = 0;
        while (offset < chunk.length) {
            if (!this.filling) {
                this.filling = this.free.pop() ?? (this.drop ? this.ready.shift()?.data : undefined);
                if (!this.filling) {
                    // every buffer is waiting for the consumer: hold ffmpeg back until one is given back
                    this.pending = chunk.subarray(offset);
                    this.paused = true;
                    this.child.stdout.pause();
                    return;
                }
            }
            const n = Math.min(chunk.length - offset, this.frameSize - this.filled);
            chunk.copy(this.filling, this.filled, offset, offset + n);
            this.filled += n;
            offset += n;
            if (this.filled === this.frameSize) {
                this.ready.push({ data: this.filling, index: this.produced++ });
                this.filling = undefined;
                this.filled = 0;
                this.notify();
            }
        }
    }
    resume() {
        if (!this.pending)
            return;
        const pending = this.pending;
        this.pending = undefined;
        this.paused = false;
        this.onData(pending);
        if (!this.paused)
            this.child.stdout.resume();
    }
    onStderr(text) {
        const lines = (this.partialLine + text).split('\n');
        this.partialLine = lines.pop() ?? '';
        for (const line of lines)
            if (line.trim())
                this.stderr.push(maskCredentials(line.trim()));
        this.stderr.splice(0, Math.max(0, this.stderr.length - STDERR_LINES));
    }
    lastWords() {
        if (this.partialLine.trim())
            this.onStderr('\n');
        return this.stderr.length ? `: ${this.stderr.slice(-3).join(' | ')}` : '';
    }
    fail(error) {
        if (this.failure || this.ended || this.closed)
            return;
        this.failure = error;
        this.stop();
        this.notify();
    }
    notify() {
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
    }
}
/** Size, frame rate and shown aspect of a video's first stream (ffprobe; RTSP over TCP, as it is decoded). */
export function probeVideo(source, options = {}) {
    const entries = 'stream=width,height,avg_frame_rate,r_frame_rate,sample_aspect_ratio';
    const args = ['-v', 'error', ...(/^rtsps?:/i.test(source) ? ['-rtsp_transport', 'tcp'] : []), '-select_streams', 'v:0', '-show_entries', entries, '-of', 'json', source];
    countChildProcess('ffprobe');
    return new Promise((resolve, reject) => {
        execFile('ffprobe', args, { timeout: 15_000, ...(options.signal ? { signal: options.signal } : {}) }, (err, stdout, stderr) => {
            const stream = err ? undefined : JSON.parse(stdout).streams?.[0];
            const fps = stream ? rate(stream.avg_frame_rate) || rate(stream.r_frame_rate) : 0;
            if (!stream || !fps || typeof stream.width !== 'number' || typeof stream.height !== 'number') {
                const why = (stderr.trim() || (err ? err.message : 'no video stream')).split('\n').slice(-3).join(' | ');
                reject(new FrameSourceError(`cannot read video ${maskCredentials(source)}: ${maskCredentials(why)}`, maskCredentials(source), stderr.split('\n').filter(Boolean)));
                return;
            }
            const pixelAspect = rate(String(stream.sample_aspect_ratio ?? '').replace(':', '/')) || 1;
            resolve({ width: stream.width, height: stream.height, fps, aspect: (stream.width / stream.height) * pixelAspect });
        });
    });
}
function rate(value) {
    const [num, den] = String(value).split('/').map(Number);
    return num && den ? num / den : 0;
}
//# sourceMappingURL=frames.js.map