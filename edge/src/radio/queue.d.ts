import { type Priority } from '@smart-commune/shared';
/**
 * The player's rules (Thông tư 39/2020/TT-BTTTT's three priorities, on one output timeline per edge):
 * - Nothing plays over anything else: one item at a time on the edge, whatever its zones.
 * - An emergency interrupts anything that is not an emergency, at its start time.
 * - Nothing else interrupts: a priority or normal item whose time comes while another plays waits
 *   for the end, and an emergency waits for an emergency.
 * - When the timeline frees, the waiting items that are due play by priority (emergency, priority,
 *   normal), then by planned start (an interrupted item keeps its own and so comes back first among
 *   its rank), then by arrival.
 * - An item that cannot start within its lateness limit is missed: 15 min by default for normal and
 *   priority; for an emergency its whole duration, and never less than 15 min. An interrupted item's
 *   limit runs from the moment it was interrupted.
 */
export interface Ranked {
    priority: Priority;
    startAt: number;
    seq: number;
}
export declare function compareRanked(a: Ranked, b: Ranked): number;
export declare function preempts(candidate: Priority, playing: Priority): boolean;
export type LatenessLimits = Record<Priority, number>;
export declare const DEFAULT_LATENESS: LatenessLimits;
export declare function latenessLimitMs(priority: Priority, durationMs: number, limits?: LatenessLimits): number;
//# sourceMappingURL=queue.d.ts.map