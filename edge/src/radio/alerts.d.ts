import { type AlertMessage, type AlertTargets, type PlanItem } from '@smart-commune/shared';
import { type LatenessLimits } from './queue.js';
export type AlertStart = Extract<AlertMessage, {
    action: 'start';
}>;
export interface EdgeIdentity {
    edgeId: string;
    hamletCode: string;
}
export declare function alertTargetsEdge(targets: AlertTargets, self: EdgeIdentity): boolean;
/**
 * The plan items of an alert's repetitions (n = 0 at startAt, then every repeatEveryMs until
 * expiresAt), with the same occurrence ids as in the plans: `alert:{alertId}:{n}`. Repetitions
 * entirely past their lateness limit and those beyond the horizon are left out.
 */
export declare function alertOccurrences(msg: AlertStart, now: number, options?: {
    horizonMs?: number;
    maxCount?: number;
    lateness?: LatenessLimits;
}): PlanItem[];
/** Occurrence ids of an alert start with this. */
export declare const alertOccurrencePrefix: (alertId: string) => string;
//# sourceMappingURL=alerts.d.ts.map