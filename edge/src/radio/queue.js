import { PRIORITY_RANK } from '@smart-commune/shared';
export function compareRanked(a, b) {
    return PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.startAt - b.startAt || a.seq - b.seq;
}
export function preempts(candidate, playing) {
    return candidate === 'emergency' && playing !== 'emergency';
}
export const DEFAULT_LATENESS = { normal: 15 * 60_000, priority: 15 * 60_000, emergency: 15 * 60_000 };
export function latenessLimitMs(priority, durationMs, limits = DEFAULT_LATENESS) {
    return priority === 'emergency' ? Math.max(limits.emergency, durationMs) : limits[priority];
}
//# sourceMappingURL=queue.js.map