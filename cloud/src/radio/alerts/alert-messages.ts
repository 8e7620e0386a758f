import { alertMessageSchema, featureOfPriority, type AlertMessage } from '@smart-commune/shared';
import type { Alert } from './alert-store.js';

/** `sc/v1/broadcast/alert` start message: everything an edge needs to play every repetition on its own. */
export function startMessage(a: Alert): AlertMessage {
  return alertMessageSchema.parse({
    action: 'start',
    alertId: a.id,
    version: a.version,
    title: a.title.slice(0, 200),
    // a broadcast reaches every box at once, whatever its contract: a priority added after revision 1
    // goes out as its revision 1 fallback (the boxes' plans carry the real one, gated per box)
    priority: featureOfPriority(a.priority)?.fallback ?? a.priority,
    // absent is the commune's: only a province alert names its issuer (boxes before revision 3 ignore it)
    ...(a.issuer === 'province' ? { issuer: 'province' } : {}),
    source: { kind: 'asset', asset: a.asset },
    startAt: a.startsAt,
    repeatEveryMs: a.repeatEveryMs,
    expiresAt: a.expiresAt,
    volume: a.volume,
    targets: a.reach,
  });
}

export const cancelMessage = (a: Alert): AlertMessage => ({ action: 'cancel', alertId: a.id, version: a.version });
