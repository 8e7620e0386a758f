import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Backoff } from '@smart-commune/shared/runtime';
import { countChildProcess } from '../../child-processes.js';
import { maskCredentials } from '../frames.js';
import { SegmentRing } from './segment-ring.js';
import { WallClockAnchor } from './wall-clock.js';
export class RecorderError extends Error {
    cameraId;
    stderr;
    name = 'RecorderError';
    constructor(message, cameraId, stderr) {
        super(message);
        this.cameraId = cameraId;
        this.stderr = stderr;
    }
}
const STDERR_LINES = 20;
const STOP_GRACE_MS = 5000;
/** A segment list line is a cut (not the flush at exit) when ffmpeg opened the next file right after it. */
const NEXT_FILE_DELAY_MS = 20;
export function recorderArgs(url, output, segmentSeconds) {
    return [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
        ...(url.startsWith('rtsp://') ? ['-rtsp_transport', 'tcp', '-timeout', '10000000'] : []),
        ...['-i', url, '-map', '0:v:0', '-c', 'copy'],
        ...['-f', 'segment', '-segment_time', String(segmentSeconds), '-segment_format', 'mpegts'],
        ...['-segment_list', 'pipe:1', '-segment_list_type', 'csv', output],
    ];
}
/**
 * Records a camera continuously into a ring of short MPEG-TS segments, copying the video as the camera
 * sends it. ffmpeg reports each finished segment on stdout (`-segment_list pipe:1`); its media times
 * become wall-clock times through a WallClockAnchor. ffmpeg is supervised: when it fails or stalls it
 * is started again with backoff, and nothing is ever thrown out of the recorder.
 */
export function startSegmentRecorder(options) {
    return new Recorder(options);
}
class Recorder {
    options;
    cameraId;
    ring;
    log;
    backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.2 });
    segmentSeconds;
    stallTimeoutMs;
    source;
    waiters = [];
    child = null;
    run = 0;
    state = 'connecting';
    restarts = 0;
    lastError = null;
    retryTimer = null;
    watchdog = null;
    stopping = false;
    stopped = null;
    /** Segment list lines (and the cleanup after ffmpeg ends) are handled one after the other, in order. */
    pending = Promise.resolve();
    constructor(options) {
        this.options = options;
        this.cameraId = options.cameraId;
        this.segmentSeconds = options.segmentSeconds ?? 2;
        this.stallTimeoutMs = options.stallTimeoutMs ?? Math.max(15_000, 4 * this.segmentSeconds * 1000);
        this.source = maskCredentials(options.url);
        this.log = options.logger.child({ cameraId: options.cameraId });
        this.ring = new SegmentRing(options.dir, options, this.log);
        this.startFfmpeg();
    }
    segments() {
        return this.ring.segments();
    }
    bytes() {
        return this.ring.bytes();
    }
    setLimits(limits) {
        this.ring.setLimits(limits);
    }
    status() {
        const list = this.ring.segments();
        return {
            state: this.state,
            restarts: this.restarts,
            lastError: this.lastError,
            segments: list.length,
            bytes: this.ring.bytes(),
            fromMs: list[0]?.startMs ?? null,
            toMs: list.at(-1)?.endMs ?? null,
        };
    }
    waitUntilCovered(untilMs, timeoutMs) {
        if (this.coveredUntil() >= untilMs)
            return Promise.resolve();
        if (this.stopping)
            return Promise.reject(new RecorderError(`camera ${this.cameraId}: recorder stopped`, this.cameraId, []));
        return new Promise((resolve, reject) => {
            const waiter = {
                untilMs,
                resolve,
                reject,
                timer: setTimeout(() => {
                    this.waiters = this.waiters.filter((w) => w !== waiter);
                    const until = new Date(untilMs).toISOString();
                    reject(new RecorderError(`camera ${this.cameraId}: recording did not reach ${until} within ${timeoutMs} ms (${this.state})`, this.cameraId, []));
                }, timeoutMs),
            };
            this.waiters.push(waiter);
        });
    }
    stop() {
        this.stopped ??= this.shutdown();
        return this.stopped;
    }
    async shutdown() {
        this.stopping = true;
        if (this.retryTimer)
            clearTimeout(this.retryTimer);
        if (this.watchdog)
            clearTimeout(this.watchdog);
        const child = this.child;
        if (child) {
            const closed = new Promise((resolve) => child.once('close', () => resolve()));
            child.kill('SIGINT'); // ffmpeg finishes the segment it is writing and lists it
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            await closed;
            clearTimeout(kill);
            await this.pending;
        }
        this.state = 'stopped';
        for (const w of this.waiters.splice(0)) {
            clearTimeout(w.timer);
            w.reject(new RecorderError(`camera ${this.cameraId}: recorder stopped`, this.cameraId, []));
        }
    }
    coveredUntil() {
        return this.ring.segments().at(-1)?.endMs ?? -Infinity;
    }
    startFfmpeg() {
        const run = ++this.run;
        const timeline = { anchor: new WallClockAnchor(), segments: [] };
        const partPattern = `part-${run}-%06d.ts`;
        const output = join(this.options.dir.replaceAll('%', '%%'), partPattern);
        const stderr = [];
        let partial = '';
        let ended = false;
        this.state = run === 1 ? 'connecting' : this.state;
        this.armWatchdog();
        countChildProcess('ffmpeg');
        const child = spawn('ffmpeg', recorderArgs(this.options.url, output, this.segmentSeconds), { stdio: ['ignore', 'pipe', 'pipe'] });
        this.child = child;
        child.stdout.setEncoding('utf8').on('data', (text) => {
            const seenAtMs = Date.now();
            const lines = (partial + text).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines)
                if (line.trim())
                    this.enqueue(() => this.onListed(run, timeline, line.trim(), seenAtMs));
        });
        child.stderr.setEncoding('utf8').on('data', (text) => {
            for (const line of text.split('\n'))
                if (line.trim())
                    stderr.push(maskCredentials(line.trim()));
            stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
        });
        const onEnd = (why) => {
            if (ended)
                return;
            ended = true;
            this.child = null;
            this.enqueue(async () => {
                this.removeParts(run);
                if (!this.stopping)
                    this.fail(why, stderr);
            });
        };
        child.once('error', (err) => onEnd(err.code === 'ENOENT' ? 'ffmpeg is not installed (apt-get install ffmpeg)' : err.message));
        child.once('close', (code, signal) => onEnd(signal ? `ffmpeg killed (${signal})` : `ffmpeg exited with code ${code}`));
    }
    enqueue(task) {
        this.pending = this.pending.then(task).catch((err) => this.log.error({ err: err.message }, 'segment bookkeeping failed'));
    }
    /** One line of ffmpeg's segment list, `part-R-N.ts,startSeconds,endSeconds`: a finished segment. */
    async onListed(run, timeline, line, seenAtMs) {
        const { anchor } = timeline;
        const [name, start, end] = line.split(',');
        const index = Number(/-(\d+)\.ts$/.exec(name ?? '')?.[1]);
        const startS = Number(start);
        const endS = Number(end);
        if (!name || !Number.isFinite(index) || !Number.isFinite(startS) || !Number.isFinite(endS)) {
            this.log.warn({ line }, 'unexpected line in the segment list');
            return;
        }
        const part = join(this.options.dir, name);
        await new Promise((resolve) => setTimeout(resolve, NEXT_FILE_DELAY_MS));
        const next = join(this.options.dir, `part-${run}-${String(index + 1).padStart(6, '0')}.ts`);
        // the flush at exit comes long after the last packet: only a cut (or a first guess) says when media time 0 was
        const zeroBefore = anchor.known ? anchor.toWallMs(0) : null;
        if (existsSync(next) || !anchor.known)
            anchor.observe(endS, seenAtMs);
        if (zeroBefore !== null)
            this.retime(timeline, anchor.toWallMs(0) - zeroBefore);
        const startMs = anchor.toWallMs(startS);
        const endMs = anchor.toWallMs(endS);
        let bytes;
        try {
            bytes = statSync(part).size;
        }
        catch {
            this.log.warn({ part }, 'listed segment is missing');
            return;
        }
        if (endMs <= startMs || bytes === 0) {
            unlinkSync(part);
            return;
        }
        const path = this.ring.pathFor(startMs, endMs);
        renameSync(part, path);
        const segment = { path, startMs, endMs, bytes };
        timeline.segments.push(segment);
        this.ring.add(segment);
        const kept = this.ring.segments();
        if (timeline.segments.length > 2 * kept.length + 10)
            timeline.segments = timeline.segments.filter((s) => kept.includes(s));
        this.onProgress();
    }
    /**
     * A better anchor moved media time 0 by `deltaMs`: the run's earlier segments move with it (times
     * and names), so one run stays seamless however late its first cuts were seen (a loaded machine).
     */
    retime(timeline, deltaMs) {
        if (deltaMs === 0)
            return;
        timeline.segments = timeline.segments.filter((segment) => {
            const moved = this.ring.pathFor(segment.startMs + deltaMs, segment.endMs + deltaMs);
            try {
                renameSync(segment.path, moved);
            }
            catch {
                return false; // gone from the ring already
            }
            segment.path = moved;
            segment.startMs += deltaMs;
            segment.endMs += deltaMs;
            return true;
        });
    }
    onProgress() {
        if (this.state !== 'recording')
            this.log.info({ source: this.source, restarts: this.restarts }, 'recording camera');
        this.state = 'recording';
        this.lastError = null;
        this.backoff.reset();
        this.armWatchdog();
        const covered = this.coveredUntil();
        this.waiters = this.waiters.filter((w) => {
            if (w.untilMs > covered)
                return true;
            clearTimeout(w.timer);
            w.resolve();
            return false;
        });
    }
    armWatchdog() {
        if (this.watchdog)
            clearTimeout(this.watchdog);
        this.watchdog = setTimeout(() => {
            this.log.warn({ source: this.source, stallTimeoutMs: this.stallTimeoutMs }, 'no segment recorded for too long; restarting ffmpeg');
            this.child?.kill('SIGKILL');
        }, this.stallTimeoutMs);
    }
    fail(why, stderr) {
        const detail = stderr.length ? `: ${stderr.slice(-3).join(' | ')}` : '';
        const error = new RecorderError(`camera ${this.cameraId}: recording ${this.source} stopped, ${why}${detail}`, this.cameraId, [...stderr]);
        const delayMs = this.backoff.next();
        this.state = 'retrying';
        this.lastError = error.message;
        this.log.warn({ err: error.message, retryInMs: delayMs }, 'camera recording failed; retrying');
        try {
            this.options.onError?.(error);
        }
        catch (err) {
            this.log.error({ err: err.message }, 'recorder onError handler threw');
        }
        if (this.watchdog)
            clearTimeout(this.watchdog);
        this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            if (this.stopping)
                return;
            this.restarts++;
            this.startFfmpeg();
        }, delayMs);
    }
    /** Segments ffmpeg had not finished when it ended: their times are unknown. */
    removeParts(run) {
        const prefix = `part-${run}-`;
        for (const name of readdirSync(this.options.dir)) {
            if (name.startsWith(prefix)) {
                try {
                    unlinkSync(join(this.options.dir, name));
                }
                catch {
                    /* already gone */
                }
            }
        }
    }
}
//# sourceMappingURL=segment-recorder.js.map