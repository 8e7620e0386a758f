import { PRIORITY_RANK, type Issuer, type Priority } from '@smart-commune/shared';

/**
 * The player's rules (Thông tư 39/2020/TT-BTTTT's three priorities, on one output timeline per edge,
 * each split in two levels by who issued the item, issue 10: the province above the commune):
 * - Nothing plays over anything else: one item at a time on the edge, whatever its zones.
 * - Ranks, lowest to highest: commune normal < province normal < commune priority < province
 *   priority < commune emergency < province emergency. An item without an issuer is the commune's.
 * - An emergency interrupts, at its start time, anything of a lower rank: a commune emergency cuts a
 *   province normal or priority item, a province emergency cuts a commune emergency too.
 * - Nothing else interrupts: a priority or normal item whose time comes while another plays waits
 *   for the end (whoever issued either), an emergency waits for an emergency of its rank or above
 *   (a commune emergency never cuts into a province one: it waits, and plays after it within its
 *   lateness limit).
 * - An interrupted item follows the box's interruptedPolicy whatever cut it: resume (it waits
 *   again, and plays the rest when the timeline frees) or drop.
 * - When the timeline frees, the waiting items that are due play by rank (province emergency first),
 *   then by planned start (an interrupted item keeps its own and so comes back first among its
 *   rank), then by arrival.
 * - An item that cannot start within its lateness limit is missed: 15 min by default for normal and
 *   priority; for an emergency its whole duration, and never less than 15 min. An interrupted item's
 *   limit runs from the moment it was interrupted.
 */
export interface Ranked {
  priority: Priority;
  /** Absent: the commune (an item from a cloud before issue 10, or a commune's own). */
  issuer?: Issuer | undefined;
  startAt: number;
  seq: number;
}

/** The rank of a priority and issuer: 0 (commune normal) to 5 (province emergency). */
export function rankLevel(priority: Priority, issuer: Issuer | undefined): number {
  return PRIORITY_RANK[priority] * 2 + (issuer === 'province' ? 1 : 0);
}

export function compareRanked(a: Ranked, b: Ranked): number {
  return rankLevel(b.priority, b.issuer) - rankLevel(a.priority, a.issuer) || a.startAt - b.startAt || a.seq - b.seq;
}

type Level = Priority | { priority: Priority; issuer?: Issuer | undefined };
const levelOf = (x: Level) => (typeof x === 'string' ? rankLevel(x, undefined) : rankLevel(x.priority, x.issuer));

/** Does `candidate` cut into `playing`? Only an emergency does, and only into a lower rank. */
export function preempts(candidate: Level, playing: Level): boolean {
  const priority = typeof candidate === 'string' ? candidate : candidate.priority;
  return priority === 'emergency' && levelOf(candidate) > levelOf(playing);
}

export type LatenessLimits = Record<Priority, number>;

export const DEFAULT_LATENESS: LatenessLimits = { normal: 15 * 60_000, priority: 15 * 60_000, emergency: 15 * 60_000 };

export function latenessLimitMs(priority: Priority, durationMs: number, limits: LatenessLimits = DEFAULT_LATENESS): number {
  return priority === 'emergency' ? Math.max(limits.emergency, durationMs) : limits[priority];
}
