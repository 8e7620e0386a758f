import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_OBJECT_CLASSES, parseProbeAddress, } from '@smart-commune/shared';
import { CameraWorker } from './camera-worker.js';
import { Detector } from './detector.js';
import { resolveModelDir } from './model.js';
import { discoverCameras, fetchSnapshot, resolveCameraSource } from './onvif/index.js';
import { writeClip } from './recording/clip.js';
import { startSegmentRecorder } from './recording/segment-recorder.js';
import { frameImage, renderSnapshot } from './recording/snapshot.js';
/** Share of the storage budget for the recording rings; the rest is for incident media. */
export const RING_SHARE = 0.7;
const SNAPSHOT_WAIT_MS = 5000;
const SNAPSHOT_MAX_BASE64 = 200_000;
const clamp01 = (v) => Math.min(1, Math.max(0, v));
/** A pixel box as fractions of the picture, cut to the picture (boxes may reach past its edges). */
function normalisedBox(box, width, height) {
    const x = clamp01(box.x / width);
    const y = clamp01(box.y / height);
    return { x, y, width: clamp01((box.x + box.width) / width) - x, height: clamp01((box.y + box.height) / height) - y };
}
const sameCamera = (a, b) => JSON.stringify(a) === JSON.stringify(b);
/**
 * The box's cameras from the `surveillance` part of its config: one shared model, one supervised
 * worker (and recording ring) per enabled camera, converging on each new document without a restart.
 */
export class EdgeVision {
    options;
    settings = null;
    detector = null;
    running = new Map();
    discoveryTimer = null;
    constructor(options) {
        this.options = options;
    }
    /** Applies the cameras of a config document; a model that cannot load refuses the document (ModelError). */
    async configure(settings) {
        const enabled = settings.cameras.filter((c) => c.enabled);
        const detector = enabled.length ? await this.detectorFor(settings.model, enabled) : null;
        const storageChanged = this.settings !== null && JSON.stringify(this.settings.storage) !== JSON.stringify(settings.storage);
        for (const [id, run] of this.running) {
            const next = enabled.find((c) => c.id === id);
            if (!next || storageChanged || !sameCamera(next, run.worker.settings))
                await this.stopCamera(id);
        }
        const wasDisabled = new Set((this.settings?.cameras ?? []).filter((c) => !c.enabled).map((c) => c.id));
        this.settings = settings;
        for (const camera of settings.cameras) {
            if (!camera.enabled && !wasDisabled.has(camera.id))
                this.options.onCameraEvent({ cameraId: camera.id, status: 'disabled', attempts: 0 });
            else if (!this.running.has(camera.id))
                this.startCamera(camera, detector);
        }
        if (!detector)
            await this.closeDetector();
    }
    /** Cameras with a known stream, for the technician's live view. */
    /** The camera's live recorder, if it records now (footage requests wait on it for a range still being recorded). */
    recorderOf(cameraId) {
        return this.running.get(cameraId)?.recorder ?? null;
    }
    /** Where a camera's segments are, recording or not. */
    recordingDir(cameraId) {
        return join(this.options.dataDir, 'recordings', cameraId);
    }
    liveCameras() {
        return [...this.running.values()].flatMap((r) => (r.streamUrl ? [{ id: r.worker.id, name: r.worker.settings.name, streamUrl: r.streamUrl, zones: r.worker.settings.zones }] : []));
    }
    telemetry() {
        const disabled = (this.settings?.cameras ?? []).filter((c) => !c.enabled).map((c) => ({ id: c.id, status: 'disabled', fps: 0, lastFrameAt: null }));
        return [
            ...[...this.running.values()].map((r) => {
                const { itemsLastHour, flood } = this.options.incidents.activity(r.worker.id);
                return { ...r.worker.telemetry(), itemsLastHour, ...(flood ? { flood } : {}) };
            }),
            ...disabled,
        ];
    }
    async snapshot({ cameraId }) {
        const camera = this.settings?.cameras.find((c) => c.id === cameraId);
        if (!camera)
            throw new Error(`the box has no camera "${cameraId}"`);
        const frame = await this.running.get(cameraId)?.worker.nextFrame(SNAPSHOT_WAIT_MS);
        const picture = frame
            ? frameImage(frame)
            : sharp(await this.cameraSnapshot(camera));
        for (const quality of [80, 60, 40]) {
            const { data, info } = await picture.clone().resize({ width: 1280, height: 720, fit: 'inside', withoutEnlargement: true }).jpeg({ quality }).toBuffer({ resolveWithObject: true });
            const jpegBase64 = data.toString('base64');
            if (jpegBase64.length <= SNAPSHOT_MAX_BASE64)
                return { jpegBase64, width: info.width, height: info.height, takenAt: Date.now() };
        }
        throw new Error(`the picture of camera ${cameraId} is too large to send`);
    }
    async discover({ timeoutMs, addresses }) {
        return { devices: await discoverCameras({ timeoutMs, targets: addresses.map(parseProbeAddress) }) };
    }
    /** Probes the LAN soon and then every `everyMs`, reporting the devices found so a technician can adopt them. */
    startDiscovery(everyMs, onDevices) {
        const probe = () => discoverCameras({ timeoutMs: 3000 }).then((devices) => devices.length && onDevices(devices), (err) => this.options.logger.debug({ err: err.message }, 'camera discovery failed'));
        this.discoveryTimer = setInterval(probe, everyMs);
        this.discoveryTimer.unref();
        setTimeout(probe, 15_000).unref();
    }
    async stop() {
        if (this.discoveryTimer)
            clearInterval(this.discoveryTimer);
        await Promise.all([...this.running.keys()].map((id) => this.stopCamera(id)));
        await this.closeDetector();
    }
    /** The camera is not streaming: ask the camera itself (its ONVIF snapshot URI). */
    async cameraSnapshot(camera) {
        const { source } = camera;
        const resolved = await resolveCameraSource(source, { timeoutMs: SNAPSHOT_WAIT_MS });
        if (!resolved.snapshotUrl)
            throw new Error(`camera ${camera.id} is not streaming and has no snapshot URI`);
        const credentials = source.username !== undefined && source.password !== undefined ? { username: source.username, password: source.password } : undefined;
        return fetchSnapshot(resolved.snapshotUrl, credentials, { timeoutMs: SNAPSHOT_WAIT_MS });
    }
    /** The shared model for these cameras; loading another one stops the cameras of the old one first. */
    async detectorFor(model, cameras) {
        const classes = [...new Set([...DEFAULT_OBJECT_CLASSES, ...cameras.flatMap((c) => [...c.detect.classes, ...c.rules.flatMap((r) => r.classes ?? [])])])].sort();
        const key = classes.join(',');
        if (this.detector?.model === model && this.detector.classes === key)
            return this.detector.detector;
        const detector = await Detector.load({ modelDir: resolveModelDir(this.options.modelDir), input: model, classes });
        const previous = this.detector;
        this.detector = { model, classes: key, detector };
        if (previous) {
            await Promise.all([...this.running.keys()].map((id) => this.stopCamera(id)));
            await previous.detector.close();
        }
        this.options.logger.info({ model, classes }, 'detection model loaded');
        return detector;
    }
    async closeDetector() {
        const current = this.detector;
        this.detector = null;
        await current?.detector.close();
    }
    startCamera(camera, detector) {
        // the worker's callbacks reach its entry, created right after it
        let run;
        const worker = new CameraWorker({
            settings: camera,
            detector,
            logger: this.options.logger.child({ camera: camera.id }),
            onStatus: (event) => this.options.onCameraEvent(event),
            onHit: (hit) => this.openIncident(hit, run),
            onTrack: (kind, trackId, timeMs) => this.options.incidents.track(camera.id, kind, trackId, timeMs),
            onStream: (streamUrl) => {
                // a new connection (or none) means a new tracker: the items' objects are gone
                void this.options.incidents.streamReset(camera.id);
                void this.follow(run, camera, streamUrl);
            },
        });
        run = { worker, recorder: null, streamUrl: null };
        this.running.set(camera.id, run);
        worker.start();
    }
    /** Keeps the camera's recording ring on the stream the worker reads. */
    async follow(run, camera, streamUrl) {
        if (streamUrl === run.streamUrl)
            return;
        run.streamUrl = streamUrl;
        const previous = run.recorder;
        run.recorder = null;
        await previous?.stop();
        if (!streamUrl || !camera.record.enabled || !this.settings)
            return;
        const { storage } = this.settings;
        const recording = this.settings.cameras.filter((c) => c.enabled && c.record.enabled).length;
        const continuous = camera.record.mode === 'continuous';
        run.recorder = startSegmentRecorder({
            cameraId: camera.id,
            url: streamUrl,
            dir: this.recordingDir(camera.id),
            // 24/7 recording is kept by days, in day directories; both modes within the camera's share of the budget
            maxMinutes: continuous ? camera.record.continuousDays * 1440 : storage.ringMinutes,
            maxBytes: Math.floor((storage.maxBytes * RING_SHARE) / Math.max(1, recording)),
            minFreeBytes: storage.reserveBytes,
            layout: continuous ? 'days' : 'flat',
            logger: this.options.logger.child({ camera: camera.id, component: 'recorder' }),
        });
    }
    async openIncident(hit, run) {
        const { track, settings, best } = hit;
        const recorder = run.recorder;
        const clip = recorder
            ? {
                write: async (fromMs, toMs, outPath) => {
                    const { sha256, bytes, durationMs, startMs } = await writeClip(recorder, { fromMs, toMs, outPath });
                    return { sha256, bytes, durationMs, startMs };
                },
                preCaptureSeconds: settings.record.preCaptureSeconds,
                postCaptureSeconds: settings.record.postCaptureSeconds,
            }
            : null;
        const severity = settings.rules.find((r) => r.id === hit.hit.ruleId)?.severity ?? 'alert';
        await this.options.incidents.hit(hit.camera, {
            object: {
                trackId: hit.hit.trackId,
                label: hit.hit.label,
                score: Math.min(1, hit.hit.bestScore),
                ruleId: hit.hit.ruleId,
                zoneId: hit.hit.zone ?? null,
                severity,
                startMs: hit.hit.startMs,
                timeMs: hit.hit.timeMs,
                box: normalisedBox(best.box, best.frame.width, best.frame.height),
            },
            review: settings.review,
            picture: async (outPath) => {
                const written = await renderSnapshot(best.frame, [{ classId: track.classId, label: track.label, score: best.score, box: best.box }], outPath);
                return { sha256: written.sha256, bytes: written.bytes };
            },
            clip,
        });
    }
    async stopCamera(id) {
        const run = this.running.get(id);
        if (!run)
            return;
        this.running.delete(id);
        await run.worker.stop();
        await run.recorder?.stop();
    }
}
//# sourceMappingURL=service.js.map