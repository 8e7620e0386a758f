import { alertOccurrenceId, type AlertMessage, type AlertTargets, type PlanItem } from '@smart-commune/shared';
import { DEFAULT_LATENESS, latenessLimitMs, type LatenessLimits } from './queue.js';

export type AlertStart = Extract<AlertMessage, { action: 'start' }>;

export interface EdgeIdentity {
  edgeId: string;
  hamletCode: string;
}

export function alertTargetsEdge(targets: AlertTargets, self: EdgeIdentity): boolean {
  return targets.all || targets.edges.includes(self.edgeId) || targets.hamlets.includes(self.hamletCode);
}

/**
 * The plan items of an alert's repetitions (n = 0 at startAt, then every repeatEveryMs until
 * expiresAt), with the same occurrence ids as in the plans: `alert:{alertId}:{n}`. Repetitions
 * entirely past their lateness limit and those beyond the horizon are left out.
 */
export function alertOccurrences(
  msg: AlertStart,
  now: number,
  options: { horizonMs?: number; maxCount?: number; lateness?: LatenessLimits } = {},
): PlanItem[] {
  const horizon = now + (options.horizonMs ?? 24 * 3600_000);
  const maxCount = options.maxCount ?? 100;
  const span = msg.expiresAt - msg.startAt;
  const durationMs = msg.source.kind === 'asset' ? msg.source.asset.durationMs : Math.max(1, Math.min(msg.repeatEveryMs ?? span, span));
  const items: PlanItem[] = [];
  for (let n = 0; items.length < maxCount; n++) {
    const startAt = msg.startAt + n * (msg.repeatEveryMs ?? 0);
    if ((n > 0 && !msg.repeatEveryMs) || startAt >= msg.expiresAt || startAt > horizon) break;
    if (startAt + latenessLimitMs(msg.priority, durationMs, options.lateness ?? DEFAULT_LATENESS) < now) continue;
    items.push({
      occurrenceId: alertOccurrenceId(msg.alertId, n),
      scheduleId: msg.alertId,
      bulletinId: null,
      title: msg.title,
      source: msg.source,
      startAt,
      durationMs,
      priority: msg.priority,
      ...(msg.issuer ? { issuer: msg.issuer } : {}),
      volume: msg.volume,
      zones: null,
    });
  }
  return items;
}

/** Occurrence ids of an alert start with this. */
export const alertOccurrencePrefix = (alertId: string) => alertOccurrenceId(alertId, 0).replace(/0$/, '');
