import { alertMessageSchema, type AlertMessage } from '@smart-commune/shared';
import type { Alert } from './alert-store.js';

/** `sc/v1/broadcast/alert` start message: everything an edge needs to play every repetition on its own. */
export function startMessage(a: Alert): AlertMessage {
  return alertMessageSchema.parse({
    action: 'start',
    alertId: a.id,
    version: a.version,
    title: a.title.slice(0, 200),
    priority: a.priority,
    source: { kind: 'asset', asset: a.asset },
    startAt: a.startsAt,
    repeatEveryMs: a.repeatEveryMs,
    expiresAt: a.expiresAt,
    volume: a.volume,
    targets: a.targets,
  });
}

export const cancelMessage = (a: Alert): AlertMessage => ({ action: 'cancel', alertId: a.id, version: a.version });
