import { fileURLToPath } from 'node:url';
import Mpeg1Muxer from 'node-rtsp-stream/mpeg1muxer.js';
import { maskCredentials } from '../frames.js';
/** A viewer whose socket holds more than this unsent is skipped until it catches up (a slow link). */
const MAX_BUFFERED = 2 * 1024 * 1024;
const KILL_GRACE_MS = 2000;
/** ffmpeg with `-rtsp_transport tcp` ahead of the input (UDP would be dropped by NAT and lossy on a busy LAN). */
const FFMPEG_RTSP_OVER_TCP = fileURLToPath(new URL('../../../bin/ffmpeg-rtsp-over-tcp', import.meta.url));
const STDERR_LINES = 10;
/**
 * One camera's stream relayed to its websocket viewers as MPEG-TS with MPEG-1 video (what JSMpeg
 * plays), transcoded by node-rtsp-stream's ffmpeg muxer. ffmpeg runs only while someone watches: the
 * first viewer starts it, the last one leaving stops it. When ffmpeg ends (camera gone), the viewers
 * are closed; their players reconnect on their own, which starts it again.
 */
export class CameraRelay {
    cameraId;
    streamUrl;
    options;
    viewers = new Set();
    muxer;
    exited = Promise.resolve();
    stderr = [];
    constructor(cameraId, streamUrl, options) {
        this.cameraId = cameraId;
        this.streamUrl = streamUrl;
        this.options = options;
    }
    get viewerCount() {
        return this.viewers.size;
    }
    /** The running ffmpeg's pid, if any. */
    get ffmpegPid() {
        return this.muxer?.stream.exitCode === null && this.muxer.stream.signalCode === null ? this.muxer.stream.pid : undefined;
    }
    add(socket) {
        this.viewers.add(socket);
        socket.once('close', () => this.remove(socket));
        socket.on('error', () => socket.terminate());
        if (!this.muxer)
            this.start();
    }
    /** Closes every viewer and stops ffmpeg; resolves when ffmpeg is gone. */
    async close(code = 1001, reason = 'live view closed') {
        for (const socket of this.viewers)
            socket.close(code, reason);
        this.viewers.clear();
        await this.stopFfmpeg();
    }
    remove(socket) {
        if (!this.viewers.delete(socket))
            return;
        if (this.viewers.size === 0)
            void this.stopFfmpeg();
    }
    start() {
        const log = this.options.logger.child({ camera: this.cameraId });
        this.stderr = [];
        const muxer = new Mpeg1Muxer({
            url: this.streamUrl,
            ffmpegPath: this.options.ffmpegPath ?? (/^rtsps?:/i.test(this.streamUrl) ? FFMPEG_RTSP_OVER_TCP : 'ffmpeg'),
            ffmpegOptions: {
                '-nostdin': '',
                '-loglevel': 'error',
                '-an': '',
                // MPEG-1 knows only a few frame rates; cameras often send 10 or 12.5 fps
                '-r': 25,
                '-vf': `scale=${this.options.width}:-2`,
                '-b:v': this.options.bitrate,
                '-bf': 0,
                // a picture (with its sequence header) each second, so a new viewer sees video at once
                '-g': 25,
            },
        });
        this.muxer = muxer;
        const child = muxer.stream;
        log.info({ pid: child.pid, url: maskCredentials(this.streamUrl) }, 'live view: ffmpeg started');
        muxer.on('mpeg1data', (data) => this.broadcast(data));
        muxer.on('ffmpegStderr', (data) => {
            this.stderr.push(...maskCredentials(data.toString()).split('\n').filter(Boolean));
            this.stderr.splice(0, Math.max(0, this.stderr.length - STDERR_LINES));
        });
        this.exited = new Promise((resolve) => {
            child.once('error', (err) => {
                log.error({ err: err.message }, 'live view: cannot run ffmpeg');
                resolve();
            });
            child.once('close', (code, signal) => {
                if (this.muxer === muxer) {
                    this.muxer = undefined;
                    log.warn({ code, signal, stderr: this.stderr }, 'live view: ffmpeg ended while viewers watched');
                    for (const socket of this.viewers)
                        socket.close(1011, 'camera stream ended');
                    this.viewers.clear();
                }
                else {
                    log.info({ code, signal }, 'live view: ffmpeg stopped');
                }
                resolve();
            });
        });
    }
    broadcast(data) {
        for (const socket of this.viewers) {
            if (socket.readyState === socket.OPEN && socket.bufferedAmount < MAX_BUFFERED)
                socket.send(data, { binary: true });
        }
    }
    async stopFfmpeg() {
        const muxer = this.muxer;
        // a viewer arriving meanwhile starts a new ffmpeg with its own `exited`
        const exited = this.exited;
        this.muxer = undefined;
        if (muxer && muxer.stream.exitCode === null && muxer.stream.signalCode === null) {
            muxer.stream.kill('SIGTERM');
            // ffmpeg blocked on a silent camera socket only goes with SIGKILL
            const kill = setTimeout(() => muxer.stream.kill('SIGKILL'), KILL_GRACE_MS);
            await exited;
            clearTimeout(kill);
        }
        await exited;
    }
}
//# sourceMappingURL=relay.js.map