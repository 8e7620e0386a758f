/**
 * Turns tracked objects into alerts: each rule reports a track at most once, when camera, zone,
 * class, time window and dwell all hold, unless the rule is cooling down after an earlier hit.
 */
export class RuleEngine {
    rules;
    clock;
    /** Per rule and camera: tracks already reported or passed over, and the last hit. */
    state = new Map();
    constructor(rules, options = {}) {
        this.clock = new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone ?? 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
        const ids = new Set();
        this.rules = rules.map((rule) => {
            if (ids.has(rule.id))
                throw new RangeError(`rule ${rule.id} is defined twice`);
            ids.add(rule.id);
            return { ...rule, minutes: (rule.windows ?? []).map((w) => [toMinutes(w.start, rule.id), toMinutes(w.end, rule.id)]) };
        });
    }
    /** The hits of this frame, for the confirmed tracks of one camera. */
    evaluate(camera, timeMs, tracks, zoneEntry) {
        const hits = [];
        let minuteOfDay;
        for (const rule of this.rules) {
            if (rule.camera !== undefined && rule.camera !== camera)
                continue;
            if (rule.minutes.length) {
                minuteOfDay ??= this.localMinutes(timeMs);
                if (!rule.minutes.some(([start, end]) => inWindow(minuteOfDay, start, end)))
                    continue;
            }
            const key = `${rule.id}\n${camera}`;
            let state = this.state.get(key);
            if (!state)
                this.state.set(key, (state = { done: new Set(), lastHitMs: -Infinity }));
            for (const track of tracks) {
                if (!track.confirmed || state.done.has(track.id))
                    continue;
                if (rule.classes && !rule.classes.includes(track.label))
                    continue;
                const startMs = rule.zone === undefined ? track.firstSeenMs : zoneEntry(track.id, rule.zone);
                if (startMs === undefined || timeMs - startMs < (rule.minDwellSeconds ?? 0) * 1000)
                    continue;
                state.done.add(track.id);
                if (timeMs - state.lastHitMs < (rule.cooldownSeconds ?? 0) * 1000)
                    continue;
                state.lastHitMs = timeMs;
                hits.push({ ruleId: rule.id, camera, zone: rule.zone, trackId: track.id, label: track.label, bestScore: track.bestScore, startMs, timeMs });
            }
        }
        return hits;
    }
    /** Drops what is known of an ended track. */
    forget(camera, trackId) {
        for (const [key, state] of this.state)
            if (key.endsWith(`\n${camera}`))
                state.done.delete(trackId);
    }
    localMinutes(timeMs) {
        let hour = 0;
        let minute = 0;
        for (const part of this.clock.formatToParts(timeMs)) {
            if (part.type === 'hour')
                hour = Number(part.value);
            else if (part.type === 'minute')
                minute = Number(part.value);
        }
        return hour * 60 + minute;
    }
}
function toMinutes(hhmm, ruleId) {
    const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
    if (!m)
        throw new RangeError(`rule ${ruleId}: time "${hhmm}" is not HH:MM`);
    return Number(m[1]) * 60 + Number(m[2]);
}
/** start == end is the whole day; start > end crosses midnight. */
export function inWindow(minute, start, end) {
    if (start === end)
        return true;
    return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}
//# sourceMappingURL=rules.js.map