import { containsPoint, iou } from './geometry.js';
const DEFAULT_GROUPS = [['car', 'truck', 'bus']];
/**
 * Gives each object an id across frames: greedy matching within a class (or class group), nearest
 * first, of detections to where each track is predicted to be (constant velocity). Objects outside the areas the model looked at are neither
 * matched nor aged, so a parked car kept out of inference by motion gating is not lost.
 */
export class Tracker {
    states = [];
    groups = new Map();
    nextId = 1;
    minHits;
    maxMissed;
    stationaryMaxMissed;
    matchDistance;
    duplicateIou;
    stationaryMs;
    movedIou;
    constructor(options) {
        const { fps } = options;
        this.minHits = options.minHits ?? Math.max(1, Math.round(fps / 2));
        this.maxMissed = options.maxMissed ?? Math.round(5 * fps);
        this.stationaryMaxMissed = options.stationaryMaxMissed ?? Math.round(20 * fps);
        this.matchDistance = options.matchDistance ?? 1;
        this.duplicateIou = options.duplicateIou ?? 0.5;
        this.stationaryMs = (options.stationarySeconds ?? 10) * 1000;
        this.movedIou = options.movedIou ?? 0.6;
        for (const group of options.matchGroups ?? DEFAULT_GROUPS)
            for (const label of group)
                this.groups.set(label, group.join('+'));
    }
    /** Tracks being followed (confirmed or not), as they are now. */
    get tracks() {
        return this.states;
    }
    /**
     * Feeds the detections of one frame. `looked` lists where the model ran (the whole frame or
     * regions); tracks outside them are left alone. Returns what changed, as snapshots.
     */
    update(detections, timeMs, looked) {
        const events = [];
        const matched = new Set();
        const used = new Set();
        const pairs = [];
        for (const state of this.states) {
            const dt = timeMs - state.lastSeenMs;
            const cx = state.box.x + state.box.width / 2 + state.vx * dt;
            const cy = state.box.y + state.box.height / 2 + state.vy * dt;
            const size = Math.sqrt(state.box.width * state.box.height);
            for (const d of detections) {
                if (this.groupOf(d.label) !== state.group)
                    continue;
                const distance = Math.hypot(d.box.x + d.box.width / 2 - cx, d.box.y + d.box.height / 2 - cy) / size;
                if (distance <= this.matchDistance)
                    pairs.push({ state, detection: d, distance });
            }
        }
        pairs.sort((a, b) => a.distance - b.distance);
        for (const { state, detection } of pairs) {
            if (matched.has(state) || used.has(detection))
                continue;
            matched.add(state);
            used.add(detection);
            this.hit(state, detection, timeMs, events);
        }
        for (const d of detections) {
            if (used.has(d))
                continue;
            const group = this.groupOf(d.label);
            if ([...matched].some((s) => s.group === group && iou(s.box, d.box) >= this.duplicateIou))
                continue;
            const state = this.create(d, timeMs, group);
            matched.add(state);
            if (state.confirmed)
                events.push({ type: 'new', track: snapshot(state) });
        }
        let kept = 0;
        for (const state of this.states) {
            if (!matched.has(state) && this.isLookedAt(state, looked)) {
                state.hits = 0;
                state.missed++;
                if (!state.confirmed || state.missed > (state.stationary ? this.stationaryMaxMissed : this.maxMissed)) {
                    if (state.confirmed)
                        events.push({ type: 'end', track: snapshot(state) });
                    continue;
                }
            }
            this.states[kept++] = state;
        }
        this.states.length = kept;
        return events;
    }
    hit(state, d, timeMs, events) {
        const dt = timeMs - state.lastSeenMs;
        if (dt > 0) {
            const vx = (d.box.x + d.box.width / 2 - (state.box.x + state.box.width / 2)) / dt;
            const vy = (d.box.y + d.box.height / 2 - (state.box.y + state.box.height / 2)) / dt;
            state.vx = (state.vx + vx) / 2;
            state.vy = (state.vy + vy) / 2;
        }
        state.box = d.box;
        state.score = d.score;
        if (d.score > state.bestScore) {
            state.bestScore = d.score;
            state.label = d.label;
            state.classId = d.classId;
        }
        state.lastSeenMs = timeMs;
        state.hits++;
        state.missed = 0;
        if (!state.confirmed && state.hits >= this.minHits) {
            state.confirmed = true;
            events.push({ type: 'new', track: snapshot(state) });
        }
        if (iou(d.box, state.anchor) < this.movedIou) {
            state.anchor = d.box;
            state.movedMs = timeMs;
            if (state.stationary) {
                state.stationary = false;
                events.push({ type: 'moving', track: snapshot(state) });
            }
        }
        else if (!state.stationary && state.confirmed && timeMs - state.movedMs >= this.stationaryMs) {
            state.stationary = true;
            events.push({ type: 'stationary', track: snapshot(state) });
        }
    }
    create(d, timeMs, group) {
        const state = {
            id: this.nextId++,
            label: d.label,
            classId: d.classId,
            box: d.box,
            score: d.score,
            bestScore: d.score,
            confirmed: this.minHits <= 1,
            stationary: false,
            firstSeenMs: timeMs,
            lastSeenMs: timeMs,
            hits: 1,
            missed: 0,
            group,
            anchor: d.box,
            movedMs: timeMs,
            vx: 0,
            vy: 0,
        };
        this.states.push(state);
        return state;
    }
    isLookedAt(state, looked) {
        const cx = state.box.x + state.box.width / 2;
        const cy = state.box.y + state.box.height / 2;
        return looked.some((region) => containsPoint(region, cx, cy));
    }
    groupOf(label) {
        return this.groups.get(label) ?? label;
    }
}
function snapshot(state) {
    const { id, label, classId, box, score, bestScore, confirmed, stationary, firstSeenMs, lastSeenMs } = state;
    return { id, label, classId, box: { ...box }, score, bestScore, confirmed, stationary, firstSeenMs, lastSeenMs };
}
//# sourceMappingURL=tracker.js.map