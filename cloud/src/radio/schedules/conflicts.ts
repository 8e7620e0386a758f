import type { Priority } from '@smart-commune/shared';
import { isoInZone } from './local-time.js';
import { LOOKAHEAD_MS, expandSeries, nextOccurrence, type Series } from './recurrence.js';
import { targetsShare, type TargetPlaces, type Targets } from './targets.js';

/** How far ahead occurrences are compared: 90 days from the candidate's next occurrence. */
const CONFLICT_HORIZON_MS = 90 * 86_400_000;

export interface ConflictItem extends Series {
  id: string;
  title: string;
  priority: Priority;
  durationMs: number;
  targets: Targets;
}

export interface Conflict {
  scheduleId: string;
  title: string;
  /** Where the two first sound together, epoch ms. */
  firstOverlapAt: number;
  /** The same moment in the candidate's zone, ISO 8601 with offset. */
  firstOverlapLocal: string;
}

interface Interval {
  start: number;
  end: number;
}

/** The earliest moment two start-sorted interval lists overlap (durations are constant within a list, so ends are sorted too). */
function firstOverlap(a: Interval[], b: Interval[]): number | null {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.end <= y.start) i++;
    else if (y.end <= x.start) j++;
    else return Math.max(x.start, y.start);
  }
  return null;
}

const intervals = (item: ConflictItem, from: number, to: number): Interval[] =>
  expandSeries(item, from - item.durationMs, to).map((o) => ({ start: o.startAt, end: o.startAt + item.durationMs }));

/**
 * The items of the same priority that would sound together with the candidate on a shared target,
 * each with its first overlap, earliest first. Different priorities may overlap: the player orders them.
 */
export function findConflicts(candidate: ConflictItem, others: readonly ConflictItem[], now: number, places: TargetPlaces): Conflict[] {
  const first = nextOccurrence(candidate, now - candidate.durationMs, LOOKAHEAD_MS);
  if (!first) return [];
  const from = Math.max(now, first.startAt);
  const to = from + CONFLICT_HORIZON_MS;
  const mine = intervals(candidate, from, to);
  const conflicts: Conflict[] = [];
  for (const other of others) {
    if (other.id === candidate.id || other.priority !== candidate.priority || !targetsShare(candidate.targets, other.targets, places)) continue;
    const at = firstOverlap(mine, intervals(other, from, to));
    if (at !== null) conflicts.push({ scheduleId: other.id, title: other.title, firstOverlapAt: at, firstOverlapLocal: isoInZone(at, candidate.timeZone) });
  }
  return conflicts.sort((x, y) => x.firstOverlapAt - y.firstOverlapAt);
}
