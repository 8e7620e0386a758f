import { BestShots } from './best-shot.js';
import { regionsForMotion } from './regions.js';
import { isMasked } from './zones.js';
export function newCounters() {
    return { frames: 0, inferences: 0, skippedFrames: 0, detections: 0 };
}
/**
 * decode → motion → inference on the regions that moved → tracking → zones and rules, for one
 * camera. Frame N+1 is prepared (motion, letterbox) while the model runs on frame N, so a frame's
 * events come one frame late: rule hits carry frame N, so the source must keep a frame valid one
 * frame longer (decodeFrames' `heldFrames: 1`).
 */
export async function* runPipeline(frames, options) {
    const counters = options.counters ?? newCounters();
    const { width: modelWidth, height: modelHeight } = options.detector.info;
    const regionOptions = { ...options.regions, modelWidth, modelHeight };
    const zoneIds = new Set(options.zones?.zones.map((z) => z.id));
    for (const rule of options.rules?.rules ?? []) {
        if (rule.camera !== undefined && rule.camera !== options.camera)
            continue;
        if (rule.zone !== undefined && !zoneIds.has(rule.zone))
            throw new RangeError(`rule ${rule.id} needs zone ${rule.zone}, which camera ${options.camera} does not have`);
    }
    const shots = new BestShots();
    let previous;
    for await (const frame of frames) {
        if (frame.pixelFormat !== 'bgr24')
            throw new RangeError(`the pipeline needs bgr24 frames, got ${frame.pixelFormat}`);
        counters.frames++;
        const motion = options.motion.detect(frame);
        const regions = options.forceInference ? [{ x: 0, y: 0, width: frame.width, height: frame.height }] : regionsForMotion(motion.boxes, frame.width, frame.height, regionOptions);
        if (regions.length === 0)
            counters.skippedFrames++;
        counters.inferences += regions.length;
        const detections = Promise.all(regions.map((region) => options.detector.detect(frame, { region })));
        detections.catch(() => undefined); // awaited below; until then a failure must not count as unhandled
        const current = { frame, regions, detections };
        if (previous)
            yield* finish(previous, await previous.detections, options, counters, shots);
        previous = current;
    }
    if (previous)
        yield* finish(previous, await previous.detections, options, counters, shots);
}
function finish(inFlight, found, options, counters, shots) {
    const { camera, tracker, zones, rules, objectMasks = [] } = options;
    const { frame } = inFlight;
    const { timeMs, width, height } = frame;
    const detections = found.length === 1 ? found[0] : found.flat();
    const kept = objectMasks.length ? detections.filter((d) => !isMasked(d.box, width, height, objectMasks)) : detections;
    counters.detections += kept.length;
    const events = [];
    for (const { type, track } of tracker.update(kept, timeMs, inFlight.regions)) {
        events.push({ type: `track-${type}`, camera, timeMs, track });
        if (type === 'end') {
            zones?.forget(track.id);
            rules?.forget(camera, track.id);
        }
    }
    shots.update(frame, tracker.tracks);
    if (zones && kept.length)
        zones.update(tracker.tracks.filter((t) => t.confirmed && t.lastSeenMs === timeMs), width, height, timeMs);
    if (rules) {
        const enteredAt = zones ? zones.enteredAt.bind(zones) : () => undefined;
        for (const hit of rules.evaluate(camera, timeMs, tracker.tracks, enteredAt)) {
            const track = tracker.tracks.find((t) => t.id === hit.trackId);
            const best = shots.get(track.id) ?? { frame: { ...frame, data: Buffer.from(frame.data) }, box: { ...track.box }, score: track.score };
            events.push({ type: 'rule-hit', camera, timeMs, hit, track: { ...track, box: { ...track.box } }, frame, best });
        }
    }
    return events;
}
//# sourceMappingURL=pipeline.js.map