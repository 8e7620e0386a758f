import { MAX_PAYLOAD_BYTES, PRIORITY_RANK, type PlanItem, type ScheduleBody } from '@smart-commune/shared';
import type { TargetEdge } from '../schedules/targets.js';

const HOUR_MS = 3_600_000;
/** The plan reaches back 5 minutes (an item playing now) and at least 48 hours ahead. */
const PLAN_LOOKBACK_MS = 5 * 60_000;
const PLAN_LOOKAHEAD_MS = 48 * HOUR_MS;
/** The most items one document carries (the schema's limit). */
export const MAX_PLAN_ITEMS = 5000;
/** The body must fit one MQTT message (both sides refuse larger payloads), with room for the envelope. */
export const MAX_PLAN_BYTES = MAX_PAYLOAD_BYTES - 1024;

export interface PlanWindow {
  start: number;
  end: number;
}

/**
 * The window for `now`, aligned to the hour so an unchanged plan compiles to the same body for a
 * whole hour and the document rolls forward once an hour: [hour − 5 min, hour + 49 h).
 */
export function planWindow(now: number): PlanWindow {
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  return { start: hour - PLAN_LOOKBACK_MS, end: hour + PLAN_LOOKAHEAD_MS + HOUR_MS };
}

/** A schedule occurrence's id: the schedule and the rule's original start, so a moved occurrence keeps it. */
export const scheduleOccurrenceId = (scheduleId: string, originalAt: number) => `${scheduleId}:${originalAt}`;

/** One occurrence before it is placed on an edge: the item and which zones of a given edge it plays on. */
export interface PlanEntry {
  item: Omit<PlanItem, 'zones'>;
  /**
   * The commune whose boxes alone it may reach; null or absent: any box (the province's own, an
   * alert, which targets by itself). Lets the publisher give each box only the entries that can concern
   * it: a box looks at the province's entries and its own commune's, not every commune's.
   */
  communeCode?: string | null;
  /** null: all zones of the edge; undefined: not for this edge. */
  zonesFor(edge: TargetEdge): string[] | null | undefined;
}

const overlapsWindow = (item: Omit<PlanItem, 'zones'>, w: PlanWindow) => item.startAt < w.end && item.startAt + item.durationMs > w.start;

/**
 * The `desired/schedule` body of one edge: its items in the window, by start, higher priority first
 * at equal starts. A plan too large for one message keeps its earliest items and ends its window
 * where the first left-out item starts, so the edge knows how far it is complete.
 */
export function compileEdgePlan(edge: TargetEdge, entries: readonly PlanEntry[], window: PlanWindow): ScheduleBody {
  const items: PlanItem[] = [];
  for (const entry of entries) {
    if (!overlapsWindow(entry.item, window)) continue;
    const zones = entry.zonesFor(edge);
    if (zones !== undefined) items.push({ ...entry.item, zones });
  }
  items.sort(
    (a, b) => a.startAt - b.startAt || PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.occurrenceId.localeCompare(b.occurrenceId),
  );
  let bytes = Buffer.byteLength(JSON.stringify({ windowStart: window.start, windowEnd: window.end, items: [] }));
  let kept = 0;
  for (const item of items) {
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (kept === MAX_PLAN_ITEMS || bytes > MAX_PLAN_BYTES) break;
    kept++;
  }
  if (kept === items.length) return { windowStart: window.start, windowEnd: window.end, items };
  const windowEnd = items[kept]!.startAt;
  return { windowStart: window.start, windowEnd, items: items.slice(0, kept).filter((i) => i.startAt < windowEnd) };
}
