import { z } from '@hono/zod-openapi';
import { issuers, playbackStates, prioritySchema } from '@smart-commune/shared';
import type { Scoped } from '../../communes/scope.js';
import { holdReasons } from '../cap/cap-rules.js';
import type { PlaybackStore } from '../playback/playback-store.js';
import { alertKinds, alertSeverities } from './alert-kinds.js';
import type { AlertService } from './alert-service.js';
import { alertStatuses, type Alert } from './alert-store.js';
import { heldStatuses, type HeldAlert } from './held-store.js';

/** The alerts' JSON: schemas of the API's answers and what each answer holds. */

const targetsSchema = z.object({ all: z.boolean(), hamlets: z.array(z.string()), edges: z.array(z.string()) });
const riskLevelSchema = z.number().int().min(1).max(5).nullable().openapi({ description: 'QĐ 18/2021/QĐ-TTg disaster risk level (cấp độ rủi ro thiên tai) of a CAP natural disaster; null otherwise' });

export const alertSchema = z
  .object({
    id: z.string(),
    version: z.number(),
    title: z.string(),
    text: z.string(),
    severity: z.enum(alertSeverities),
    kind: z.enum(alertKinds),
    origin: z.enum(['json', 'cap']),
    capIdentifier: z.string().nullable(),
    capSender: z.string().nullable(),
    bulletinId: z.string(),
    durationMs: z.number(),
    priority: prioritySchema,
    riskLevel: riskLevelSchema,
    volume: z.number(),
    repeatEveryMs: z.number().nullable(),
    startsAt: z.number(),
    expiresAt: z.number(),
    targets: targetsSchema,
    status: z.enum(alertStatuses),
    createdAt: z.number(),
    cancelledAt: z.number().nullable(),
    replaces: z.string().nullable(),
    replacedBy: z.string().nullable(),
    communeCode: z.string().nullable().openapi({ description: "The commune whose alert it is; null: the province's (issuer province)" }),
    issuer: z.enum(issuers).openapi({ description: "province: ranks above a commune's own items of the same priority on the boxes" }),
  })
  .openapi('Alert');

export const alertDetailSchema = alertSchema
  .extend({
    hamlets: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        startedAt: z.number().nullable().openapi({ description: 'When a box of the hamlet first started the alert (its proof of play); null until one reports it' }),
        state: z.enum(playbackStates).nullable().openapi({ description: 'The state the hamlet most recently reported for the alert; null before any report' }),
      }),
    ),
  })
  .openapi('AlertDetail');

export const heldAlertSchema = z
  .object({
    id: z.string(),
    status: z.enum(heldStatuses),
    reasons: z.array(z.enum(holdReasons)),
    source: z.string().openapi({ description: 'manual, feed:<feedId> or automatic' }),
    receivedAt: z.number(),
    decidedAt: z.number().nullable(),
    alertId: z.string().nullable().openapi({ description: 'The alert started when an operator confirmed it' }),
    note: z.string().nullable(),
    capSender: z.string(),
    capIdentifier: z.string(),
    msgType: z.enum(['Alert', 'Update']),
    sent: z.number(),
    event: z.string(),
    language: z.string(),
    headline: z.string().nullable(),
    areaDesc: z.string(),
    originalText: z.string().openapi({ description: 'The message\'s text in its own language: the starting point of the Vietnamese text' }),
    title: z.string(),
    text: z.string().nullable().openapi({ description: 'The Vietnamese words to read; null when the message has none' }),
    severity: z.enum(alertSeverities),
    kind: z.enum(alertKinds),
    priority: prioritySchema,
    riskLevel: riskLevelSchema,
    effectiveAt: z.number().nullable(),
    onsetAt: z.number().nullable(),
    expiresAt: z.number(),
    targets: z.object({ all: z.boolean(), hamlets: z.array(z.string()) }).nullable().openapi({ description: 'The hamlets its areas include; null when none could be placed' }),
    communeCode: z.string().nullable().openapi({ description: "The commune whose message it is (its operator's, its feed's); null: the province's" }),
  })
  .openapi('HeldAlert');

export const alertOut = (a: Alert) => ({
  id: a.id,
  version: a.version,
  title: a.title,
  text: a.text,
  severity: a.severity,
  kind: a.kind,
  origin: a.origin,
  capIdentifier: a.capIdentifier,
  capSender: a.capSender,
  bulletinId: a.bulletinId,
  durationMs: a.durationMs,
  priority: a.priority,
  riskLevel: a.riskLevel,
  volume: a.volume,
  repeatEveryMs: a.repeatEveryMs,
  startsAt: a.startsAt,
  expiresAt: a.expiresAt,
  targets: a.targets,
  status: a.status,
  createdAt: a.createdAt,
  cancelledAt: a.cancelledAt,
  replaces: a.replaces,
  replacedBy: a.replacedBy,
  communeCode: a.communeCode,
  issuer: a.issuer,
});

/** An alert with each hamlet it reaches and what that hamlet's boxes reported. */
export function alertDetail(alerts: AlertService, playback: PlaybackStore) {
  /** `viewer`: a commune's person sees the hamlets of their commune only. */
  return async (a: Alert, viewer?: Scoped) => {
    const progress = await playback.progressByHamlet(a.id);
    return {
      ...alertOut(a),
      hamlets: (await alerts.hamletsOf(a, viewer)).map((h) => ({ ...h, startedAt: progress.get(h.code)?.firstStartedAt ?? null, state: progress.get(h.code)?.lastState ?? null })),
    };
  };
}

export const heldOut = (h: HeldAlert) => {
  const c = h.candidate;
  return {
    id: h.id,
    status: h.status,
    reasons: h.reasons,
    source: h.source,
    receivedAt: h.receivedAt,
    decidedAt: h.decidedAt,
    alertId: h.alertId,
    note: h.note,
    capSender: c.sender,
    capIdentifier: c.identifier,
    msgType: c.msgType,
    sent: c.sent,
    event: c.event,
    language: c.language,
    headline: c.headline,
    areaDesc: c.areaDesc,
    originalText: c.originalText,
    title: c.title,
    text: c.text,
    severity: c.severity,
    kind: c.kind,
    priority: c.priority,
    riskLevel: c.riskLevel,
    effectiveAt: c.effectiveAt,
    onsetAt: c.onsetAt,
    expiresAt: c.expiresAt,
    targets: c.targets,
    communeCode: h.communeCode,
  };
};
