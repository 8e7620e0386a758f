import { INCIDENT_MAX_OBJECTS, INCIDENT_MAX_TIMELINE, } from '@smart-commune/shared';
const HOUR_MS = 3600_000;
/** Boxes smaller than this share of the picture are far away or not what the rule is for. */
const SMALL_AREA = 0.005;
/**
 * Groups one camera's matched objects into review items (Frigate's review segments): an item opens
 * when a rule first fires, takes in every object a rule matches while it lasts, and closes
 * `closeAfterSeconds` after its last active object left or stopped moving, or at `maxSeconds`, when a
 * new item continues it if objects are still active. Pure: time comes in with each call.
 */
export class ReviewGrouper {
    cameraId;
    settings;
    item = null;
    seq = 0;
    /** Tracks a rule matched, until they end: a matched object that moves again reopens activity. */
    matched = new Map();
    triggers = [];
    flood = null;
    /** Told each time an item opens in a flood (the box logs it). */
    onFlood;
    constructor(cameraId, settings, options = {}) {
        this.cameraId = cameraId;
        this.settings = settings;
        this.seq = options.firstSeq ?? 0;
    }
    get current() {
        return this.item;
    }
    get floodState() {
        return this.flood;
    }
    /** Items opened in the hour before `nowMs`. */
    itemsLastHour(nowMs) {
        return this.triggers.filter((t) => t.at > nowMs - HOUR_MS).length;
    }
    configure(settings) {
        this.settings = settings;
    }
    /** A rule matched an object: it opens an item or joins the open one. */
    hit(hit) {
        const changes = this.tick(hit.timeMs);
        const known = this.matched.get(hit.trackId);
        this.matched.set(hit.trackId, { hit, stationary: false, wasStationary: known?.wasStationary ?? false });
        if (!this.item) {
            changes.push(this.open(hit, null, hit.timeMs));
            return changes;
        }
        const item = this.item;
        const object = item.objects.find((o) => o.trackId === hit.trackId);
        if (object) {
            // another rule matched an object already in the item
            if (!object.ruleIds.includes(hit.ruleId))
                object.ruleIds.push(hit.ruleId);
            if (hit.zoneId && !object.zoneIds.includes(hit.zoneId))
                object.zoneIds.push(hit.zoneId);
            object.score = Math.max(object.score, hit.score);
            this.activate(item, object, hit.timeMs);
            if (hit.severity === 'alert')
                item.severity = 'alert';
            changes.push({ type: 'updated', item });
            return changes;
        }
        if (item.objects.length >= INCIDENT_MAX_OBJECTS) {
            item.lastActivityAt = Math.max(item.lastActivityAt, hit.timeMs);
            return changes; // a crowd beyond the bound keeps the item open but is not listed
        }
        this.addObject(item, hit, hit.startMs, hit.timeMs);
        if (hit.severity === 'alert')
            item.severity = 'alert';
        changes.push({ type: 'joined', item, trackId: hit.trackId });
        return changes;
    }
    /** The tracker's news of an object: it stopped moving, moved again, or is gone. */
    track(kind, trackId, timeMs) {
        const changes = this.tick(timeMs);
        const known = this.matched.get(trackId);
        if (!known)
            return changes;
        if (kind === 'end')
            this.matched.delete(trackId);
        else {
            known.stationary = kind === 'stationary';
            if (kind === 'stationary')
                known.wasStationary = true;
        }
        const item = this.item;
        const object = item?.objects.find((o) => o.trackId === trackId);
        if (item && object) {
            if (kind === 'moving')
                this.activate(item, object, timeMs);
            else if (object.active) {
                object.active = false;
                object.lastSeenAt = Math.max(object.lastSeenAt, timeMs);
                item.lastActivityAt = Math.max(item.lastActivityAt, timeMs);
                this.line(item, { at: timeMs, trackId, label: object.label, kind: kind === 'end' ? 'left' : 'stationary' });
            }
            else if (kind === 'end') {
                this.line(item, { at: timeMs, trackId, label: object.label, kind: 'left' });
            }
            changes.push({ type: 'updated', item });
        }
        else if (kind === 'moving') {
            // a matched object (a parked car) moves again after its item closed: activity again
            const hit = { ...known.hit, startMs: timeMs, timeMs };
            if (item) {
                if (item.objects.length < INCIDENT_MAX_OBJECTS) {
                    this.addObject(item, hit, timeMs, timeMs, 'active');
                    changes.push({ type: 'joined', item, trackId });
                }
            }
            else
                changes.push(this.open(hit, null, timeMs, 'active'));
        }
        return changes;
    }
    /**
     * Time passes: a quiet item closes `closeAfterSeconds` after its last activity (in a flood, not before
     * its maximum length, so activity merges); any item closes at `maxSeconds`, continued if still active.
     */
    tick(nowMs) {
        const item = this.item;
        if (!item)
            return [];
        const active = item.objects.filter((o) => o.active);
        const { closeAfterSeconds, maxSeconds } = this.settings;
        const reachedMax = nowMs - item.detectedAt >= maxSeconds * 1000;
        const quietFor = active.length === 0 ? nowMs - item.lastActivityAt : 0;
        const quietEnough = active.length === 0 && quietFor >= closeAfterSeconds * 1000 && !item.flood;
        if (!reachedMax && !quietEnough)
            return [];
        for (const o of active)
            o.lastSeenAt = Math.max(o.lastSeenAt, nowMs);
        item.state = 'closed';
        if (reachedMax)
            item.lastActivityAt = Math.max(item.lastActivityAt, active.length ? nowMs : item.lastActivityAt);
        this.item = null;
        const changes = [{ type: 'closed', item }];
        if (reachedMax && active.length > 0) {
            const first = active[0];
            const hit = this.matched.get(first.trackId)?.hit;
            const opened = this.open({ trackId: first.trackId, label: first.label, score: first.score, ruleId: hit?.ruleId ?? item.main.ruleId, zoneId: hit?.zoneId ?? null, severity: item.severity, startMs: nowMs, timeMs: nowMs, box: first.box }, item.seq, nowMs, 'active');
            const next = opened.item;
            for (const o of active.slice(1)) {
                if (next.objects.length >= INCIDENT_MAX_OBJECTS)
                    break;
                const h = this.matched.get(o.trackId)?.hit;
                this.addObject(next, { trackId: o.trackId, label: o.label, score: o.score, ruleId: h?.ruleId ?? item.main.ruleId, zoneId: h?.zoneId ?? null, severity: item.severity, startMs: nowMs, timeMs: nowMs, box: o.box }, nowMs, nowMs, 'active');
            }
            changes.push(opened);
        }
        return changes;
    }
    /**
     * The camera's stream was reopened or stopped: its tracker starts again (track numbers from 1), so
     * every object followed so far has left the picture as far as the items know.
     */
    reset(nowMs) {
        const changes = [];
        for (const trackId of [...this.matched.keys()])
            changes.push(...this.track('end', trackId, nowMs));
        const item = this.item;
        if (item)
            for (const o of item.objects)
                o.active = false; // objects beyond the bound, or never matched again
        return changes;
    }
    /** Takes up an item that was open when the box stopped (its objects are gone: their tracks did not survive). */
    resume(item) {
        for (const o of item.objects)
            o.active = false;
        this.item = item;
        this.seq = Math.max(this.seq, item.seq);
    }
    open(hit, continues, nowMs, firstLine = 'entered') {
        this.triggers.push({ at: nowMs, ruleId: hit.ruleId, label: hit.label, zoneId: hit.zoneId, box: hit.box, wasStationary: this.matched.get(hit.trackId)?.wasStationary ?? false });
        while (this.triggers.length && this.triggers[0].at <= nowMs - HOUR_MS)
            this.triggers.shift();
        this.updateFlood(nowMs);
        const item = {
            seq: ++this.seq,
            cameraId: this.cameraId,
            continues,
            severity: hit.severity,
            main: { trackId: hit.trackId, ruleId: hit.ruleId, zoneId: hit.zoneId },
            startedAt: hit.startMs,
            detectedAt: hit.timeMs,
            lastActivityAt: hit.timeMs,
            objects: [],
            timeline: [],
            flood: this.flood !== null,
            state: 'open',
        };
        this.addObject(item, hit, hit.startMs, hit.timeMs, firstLine);
        this.item = item;
        return { type: 'opened', item, trackId: hit.trackId };
    }
    addObject(item, hit, firstSeenAt, nowMs, kind = 'entered') {
        item.objects.push({
            trackId: hit.trackId,
            label: hit.label,
            score: hit.score,
            zoneIds: hit.zoneId ? [hit.zoneId] : [],
            ruleIds: [hit.ruleId],
            firstSeenAt,
            lastSeenAt: nowMs,
            box: hit.box,
            active: true,
        });
        item.lastActivityAt = Math.max(item.lastActivityAt, nowMs);
        this.line(item, { at: firstSeenAt, trackId: hit.trackId, label: hit.label, kind, ...(hit.zoneId ? { zoneId: hit.zoneId } : {}) });
    }
    activate(item, object, nowMs) {
        object.lastSeenAt = Math.max(object.lastSeenAt, nowMs);
        item.lastActivityAt = Math.max(item.lastActivityAt, nowMs);
        if (object.active)
            return;
        object.active = true;
        this.line(item, { at: nowMs, trackId: object.trackId, label: object.label, kind: 'active' });
    }
    line(item, entry) {
        if (item.timeline.length < INCIDENT_MAX_TIMELINE)
            item.timeline.push(entry);
    }
    /** More items in the last hour than the limit: a warning with the fix suggested from what opened them. */
    updateFlood(nowMs) {
        const count = this.triggers.length;
        if (count <= this.settings.floodPerHour) {
            // the warning ends once the hour's count is back to half the limit (no flapping at the edge)
            if (this.flood && count <= this.settings.floodPerHour / 2)
                this.flood = null;
            else if (this.flood)
                this.flood = { ...this.flood, itemsLastHour: count };
            return;
        }
        this.flood = { since: this.flood?.since ?? nowMs, itemsLastHour: count, limit: this.settings.floodPerHour, suggestion: suggestFix(this.triggers) };
        this.onFlood?.(this.flood);
    }
}
/**
 * The likeliest fix for a flood, from what opened the hour's items: the commonest rule, label and zone;
 * parked objects moving a little → a cooldown; small boxes (far away, or leaves) → a minimum size; a
 * rule without a zone → a zone around where things happen; otherwise a mask over that area.
 */
export function suggestFix(triggers) {
    const counts = new Map();
    for (const t of triggers) {
        const key = `${t.ruleId}\n${t.label}\n${t.zoneId ?? ''}`;
        const entry = counts.get(key) ?? { n: 0, ruleId: t.ruleId, label: t.label, zoneId: t.zoneId };
        entry.n++;
        counts.set(key, entry);
    }
    const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
    const mine = triggers.filter((t) => t.ruleId === top.ruleId && t.label === top.label && t.zoneId === top.zoneId);
    const x = Math.min(...mine.map((t) => t.box.x));
    const y = Math.min(...mine.map((t) => t.box.y));
    const area = { x, y, width: Math.max(...mine.map((t) => t.box.x + t.box.width)) - x, height: Math.max(...mine.map((t) => t.box.y + t.box.height)) - y };
    const areas = mine.map((t) => t.box.width * t.box.height).sort((a, b) => a - b);
    const median = areas[Math.floor(areas.length / 2)];
    const stationary = mine.filter((t) => t.wasStationary).length;
    const base = { ruleId: top.ruleId, label: top.label, zoneId: top.zoneId, area };
    if (stationary * 2 >= mine.length) {
        return { ...base, fix: 'cooldown', advice: `Vật đứng yên (${top.label}) cứ nhúc nhích lại: đặt thời gian chờ (cooldown) cho quy tắc ${top.ruleId}. (Parked objects keep moving a little: give rule ${top.ruleId} a cooldown.)` };
    }
    if (median < SMALL_AREA) {
        return { ...base, fix: 'min-size', advice: `Vật rất nhỏ trong ảnh (${top.label}): đặt kích thước tối thiểu cho quy tắc ${top.ruleId}. (The objects are tiny in the picture: set a minimum size for rule ${top.ruleId}.)` };
    }
    if (top.zoneId === null) {
        return { ...base, fix: 'zone', advice: `Quy tắc ${top.ruleId} xét cả khung hình: vẽ vùng chỉ quanh nơi cần canh. (Rule ${top.ruleId} covers the whole picture: draw a zone around what matters.)` };
    }
    return { ...base, fix: 'mask', advice: `Nhiều báo động ở cùng một chỗ trong vùng ${top.zoneId}: che (mask) chỗ đó nếu không cần canh. (Most items come from one area of zone ${top.zoneId}: mask it if it does not matter.)` };
}
//# sourceMappingURL=review-grouper.js.map