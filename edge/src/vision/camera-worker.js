import { Backoff } from '@smart-commune/shared/runtime';
import { decodeFrames, maskCredentials, probeVideo } from './frames.js';
import { MotionDetector } from './motion.js';
import { CameraSourceError, resolveCameraSource } from './onvif/index.js';
import { runPipeline } from './pipeline.js';
import { RuleEngine } from './rules.js';
import { Tracker } from './tracker.js';
import { ZonePresence } from './zones.js';
/** Errors that retrying soon will not fix: the technician must act (credentials, a camera without profiles). */
const needsTechnician = (err) => err instanceof CameraSourceError && (err.code === 'unauthorized' || err.code === 'no-profile');
const toRules = (settings) => settings.rules
    .filter((r) => r.enabled)
    .map((r) => ({
    id: r.id,
    ...(r.zone === undefined ? {} : { zone: r.zone }),
    classes: r.classes ?? settings.detect.classes,
    ...(r.windows === undefined ? {} : { windows: r.windows }),
    minDwellSeconds: r.minDwellSeconds,
    cooldownSeconds: r.cooldownSeconds,
}));
/**
 * One camera, supervised: resolve its source, decode at the detect size and rate, run the pipeline,
 * hand hits over; on any failure report it, wait (backoff) and start again. Never throws out.
 */
export class CameraWorker {
    deps;
    id;
    abort = new AbortController();
    backoff;
    loop = null;
    state = 'starting';
    error;
    attempts = 0;
    lastFrameAt = null;
    frameTimes = [];
    snapshotRequests = [];
    constructor(deps) {
        this.deps = deps;
        this.id = deps.settings.id;
        this.backoff = new Backoff(deps.backoff ?? { initialMs: 1000, maxMs: 60_000, jitter: 0.2 });
    }
    get settings() {
        return this.deps.settings;
    }
    start() {
        if (this.loop)
            return;
        this.deps.onStatus({ cameraId: this.id, status: 'starting', attempts: 0 });
        this.loop = this.run();
    }
    async stop() {
        this.abort.abort();
        await this.loop;
        this.deps.onStream(null);
    }
    telemetry() {
        const now = Date.now();
        const recent = this.frameTimes.filter((t) => t > now - 5000);
        return {
            id: this.id,
            status: this.state,
            fps: Math.round((recent.length / 5) * 10) / 10,
            lastFrameAt: this.lastFrameAt,
            ...(this.error ? { error: this.error } : {}),
        };
    }
    /** The next decoded frame (copied), for the technician's "current picture"; null when none comes in time. */
    nextFrame(timeoutMs) {
        if (this.state !== 'streaming')
            return Promise.resolve(null);
        return new Promise((resolve) => {
            const request = { resolve: (frame) => (clearTimeout(timer), resolve(frame)) };
            const timer = setTimeout(() => {
                this.snapshotRequests = this.snapshotRequests.filter((r) => r !== request);
                resolve(null);
            }, timeoutMs);
            this.snapshotRequests.push(request);
        });
    }
    async run() {
        const { signal } = this.abort;
        while (!signal.aborted) {
            try {
                await this.streamOnce(signal);
                if (signal.aborted)
                    break;
                throw new Error('the camera ended the stream');
            }
            catch (err) {
                if (signal.aborted)
                    break;
                this.attempts++;
                const message = maskCredentials(err.message);
                this.setStatus(needsTechnician(err) ? 'failed' : 'reconnecting', message);
                this.deps.logger.warn({ camera: this.id, attempts: this.attempts, err: message }, 'camera stream failed; retrying');
                await sleep(this.backoff.next(), signal);
            }
        }
    }
    async streamOnce(signal) {
        const { settings, detector } = this.deps;
        const { streamUrl } = await resolveCameraSource(settings.source, { timeoutMs: 10_000 });
        if (signal.aborted)
            return;
        this.deps.onStream(streamUrl);
        const { fps, width } = settings.detect;
        const height = settings.detect.height ?? (await this.heightKeepingAspect(streamUrl, width, signal));
        if (signal.aborted)
            return;
        const masks = settings.masks.map((m) => m.polygon);
        const frames = decodeFrames(streamUrl, { width, height, fps, pixelFormat: 'bgr24', heldFrames: 1, signal, timeoutMs: this.deps.stallTimeoutMs ?? 10_000 });
        const events = runPipeline(this.observe(frames), {
            camera: this.id,
            detector,
            motion: new MotionDetector({ masks }),
            tracker: new Tracker({ fps }),
            zones: new ZonePresence(settings.zones.map((z) => ({ id: z.id, polygon: z.polygon }))),
            rules: new RuleEngine(toRules(settings)),
            objectMasks: masks,
        });
        for await (const event of events) {
            if (event.type === 'rule-hit')
                await this.deps.onHit({ ...event, settings, streamUrl }).catch((err) => this.deps.logger.error({ err, camera: this.id }, 'incident could not be recorded'));
            else if (event.type !== 'track-new' && this.deps.onTrack) {
                const kind = event.type === 'track-stationary' ? 'stationary' : event.type === 'track-moving' ? 'moving' : 'end';
                // an object is dropped seconds after it was last seen: it left when it was last seen
                await this.deps.onTrack(kind, event.track.id, kind === 'end' ? event.track.lastSeenMs : event.timeMs).catch((err) => this.deps.logger.error({ err, camera: this.id }, 'incident could not follow a track'));
            }
        }
    }
    /** The detect height that keeps the camera's picture undistorted at this width (16:9 if the stream cannot be probed). */
    async heightKeepingAspect(streamUrl, width, signal) {
        const aspect = await probeVideo(streamUrl, { signal }).then((video) => video.aspect, (err) => {
            if (!signal.aborted)
                this.deps.logger.warn({ camera: this.id, err: err.message }, 'stream size unknown; analysing at 16:9');
            return 16 / 9;
        });
        return Math.min(1080, Math.max(120, Math.round(width / aspect / 2) * 2));
    }
    /** Counts frames for telemetry, marks the stream up, and serves snapshot requests, as frames pass by. */
    async *observe(frames) {
        for await (const frame of frames) {
            const now = Date.now();
            this.lastFrameAt = now;
            this.frameTimes.push(now);
            if (this.frameTimes.length > 100)
                this.frameTimes.splice(0, 50);
            if (this.state !== 'streaming') {
                this.attempts = 0;
                this.backoff.reset();
                this.setStatus('streaming');
            }
            if (this.snapshotRequests.length) {
                const copy = { ...frame, data: Buffer.from(frame.data) };
                for (const request of this.snapshotRequests.splice(0))
                    request.resolve(copy);
            }
            yield frame;
        }
    }
    setStatus(status, error) {
        const changed = status !== this.state || error !== this.error;
        this.state = status;
        this.error = error;
        if (changed)
            this.deps.onStatus({ cameraId: this.id, status, ...(error ? { error } : {}), attempts: this.attempts });
    }
}
function sleep(ms, signal) {
    return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        function done() {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
        }
    });
}
//# sourceMappingURL=camera-worker.js.map