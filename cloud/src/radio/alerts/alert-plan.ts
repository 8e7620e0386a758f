import { alertOccurrenceId, type AlertTargets } from '@smart-commune/shared';
import type { PlanEntry, PlanWindow } from '../plan/plan-compiler.js';
import type { TargetEdge } from '../schedules/targets.js';
import type { Alert } from './alert-store.js';

type Repeating = Pick<Alert, 'startsAt' | 'repeatEveryMs' | 'expiresAt' | 'durationMs'>;

/**
 * The repetitions of an alert that sound in [from, to): the n-th starts at startsAt + n × repeatEveryMs
 * (n from 0), while it starts before the expiry. The same rule as the broadcast message, so the edge
 * derives the same occurrence ids from either.
 */
export function alertRepetitions(a: Repeating, from: number, to: number): { n: number; startAt: number }[] {
  const end = Math.min(to, a.expiresAt);
  if (a.repeatEveryMs === null) return a.startsAt < end && a.startsAt + a.durationMs > from ? [{ n: 0, startAt: a.startsAt }] : [];
  const result: { n: number; startAt: number }[] = [];
  for (let n = Math.max(0, Math.floor((from - a.durationMs - a.startsAt) / a.repeatEveryMs)); ; n++) {
    const startAt = a.startsAt + n * a.repeatEveryMs;
    if (startAt >= end) return result;
    if (startAt + a.durationMs > from) result.push({ n, startAt });
  }
}

const alertTargetsEdge = (t: AlertTargets, edge: TargetEdge): boolean => t.all || t.hamlets.includes(edge.hamletCode) || t.edges.includes(edge.id);

/** Each alert's repetitions during the window, on all zones of every targeted edge. */
export function alertEntries(alerts: readonly Alert[], window: PlanWindow): PlanEntry[] {
  return alerts.flatMap((a) =>
    alertRepetitions(a, window.start, window.end).map(({ n, startAt }) => ({
      item: {
        occurrenceId: alertOccurrenceId(a.id, n),
        scheduleId: a.id,
        bulletinId: a.bulletinId,
        title: a.title,
        source: { kind: 'asset' as const, asset: a.asset },
        startAt,
        durationMs: a.durationMs,
        priority: a.priority,
        ...(a.issuer === 'province' ? { issuer: 'province' as const } : {}),
        volume: a.volume,
      },
      zonesFor: (edge: TargetEdge) => (alertTargetsEdge(a.reach, edge) ? null : undefined),
    })),
  );
}
