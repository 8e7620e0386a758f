import type { Priority } from '@smart-commune/shared';
import { DateTime } from 'luxon';
import { defaultRepeatMs, type AlertKind, type AlertSeverity } from '../alerts/alert-kinds.js';
import { evaluateAreasIn, type CapTargets, type CommunePlace } from './cap-areas.js';
import { capContent, chooseInfo } from './cap-content.js';
import type { CapAlert, CapReference } from './cap-parser.js';
import type { RiskLevel } from './cap-priority.js';

export const holdReasons = ['no_evaluable_area', 'no_vietnamese', 'untrusted_sender', 'unsigned', 'bad_signature'] as const;
/** Why a CAP message waits for an operator instead of playing. */
export type HoldReason = (typeof holdReasons)[number];

/** What a CAP Alert or Update would play, and where; kept as it is while it is held. */
export interface CapCandidate {
  msgType: 'Alert' | 'Update';
  identifier: string;
  sender: string;
  /** Epoch ms. */
  sent: number;
  references: CapReference[];
  event: string;
  /** The language of the info block read (the Vietnamese one, else the first). */
  language: string;
  headline: string | null;
  /** The areas' descriptions, as the message gives them. */
  areaDesc: string;
  /** The text of the info block read, in its own language: the operator's starting point. */
  originalText: string;
  title: string;
  /** The Vietnamese words to read out; null when the message has no Vietnamese info. */
  text: string | null;
  severity: AlertSeverity;
  kind: AlertKind;
  priority: Priority;
  riskLevel: RiskLevel | null;
  /** Epoch ms: a future `effective` (the alert starts then); null to start at once. */
  effectiveAt: number | null;
  onsetAt: number | null;
  expiresAt: number;
  repeatEveryMs: number | null;
  /** The hamlets the areas include; null when no area could be judged. */
  targets: CapTargets | null;
}

export type CapDecision =
  | { action: 'refuse'; status: 400 | 422; code: string; message: string }
  | { action: 'hold'; reasons: HoldReason[]; candidate: CapCandidate }
  | { action: 'play'; candidate: CapCandidate & { text: string; targets: CapTargets } };

export interface CapContext {
  now: number;
  /** A message without `expires` sent longer ago than this is stale. */
  maxAgeMs: number;
  /** How long a message without `expires` sounds. */
  defaultTtlMs: number;
  place: CommunePlace;
  /** Several communes (a province's message): the areas are judged in each; absent: `place` alone. */
  places?: readonly CommunePlace[];
  /** The sender is on the trusted list, or an operator posted the message by hand. */
  senderTrusted: boolean;
  /**
   * The sender signs with a stored key and the message has no signature (`unsigned`) or one that
   * does not verify (`bad_signature`); null otherwise.
   */
  signatureProblem?: 'unsigned' | 'bad_signature' | null;
}

const iso = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Ho_Chi_Minh' }).toISO({ suppressMilliseconds: true });

/**
 * Whether and where a CAP Alert or Update plays (status, scope and msgType are checked before).
 * Refused: nothing to say, stale (sent more than `maxAgeMs` ago with no `expires`), already expired,
 * or for somewhere else (areas that can be judged include no hamlet). Held for an operator: no area
 * can be judged, no Vietnamese info, a sender not trusted, or a signature missing or not valid where
 * the sender signs. Otherwise played.
 */
export function decideCap(cap: CapAlert, ctx: CapContext): CapDecision {
  const vietnamese = chooseInfo(cap);
  const info = vietnamese ?? cap.infos[0]!;
  const content = capContent(info);
  if ('error' in content) return { action: 'refuse', status: 400, code: 'bad_request', message: `invalid CAP message: ${content.error}` };
  if (info.expires === null && ctx.now - cap.sent > ctx.maxAgeMs) {
    const message = `stale CAP message: sent ${iso(cap.sent)}, more than ${Math.round(ctx.maxAgeMs / 1000)} s ago (SC_CAP_MAX_AGE_S), and without expires`;
    return { action: 'refuse', status: 422, code: 'stale', message };
  }
  if (info.expires !== null && info.expires <= ctx.now) return { action: 'refuse', status: 422, code: 'not_played', message: `the alert expires ${iso(info.expires)}, already past` };
  const places = ctx.places?.length ? ctx.places : [ctx.place];
  const verdict = evaluateAreasIn(info.areas, places);
  const areaDesc = info.areas.map((a) => a.areaDesc).join('; ');
  if (verdict.evaluable && !verdict.targets.all && verdict.targets.hamlets.length === 0) {
    return { action: 'refuse', status: 422, code: 'not_applicable', message: `the alert's areas (${areaDesc || 'none'}) include no hamlet of ${places.length === 1 ? places[0]!.name : `the province (${places.length} communes)`}` };
  }
  const candidate: CapCandidate = {
    msgType: cap.msgType === 'Update' ? 'Update' : 'Alert',
    identifier: cap.identifier,
    sender: cap.sender,
    sent: cap.sent,
    references: cap.references,
    event: info.event,
    language: info.language,
    headline: info.headline,
    areaDesc,
    originalText: content.text,
    title: content.title,
    text: vietnamese ? content.text : null,
    severity: content.severity,
    kind: content.kind,
    priority: content.priority,
    riskLevel: content.riskLevel,
    effectiveAt: info.effective !== null && info.effective > ctx.now ? info.effective : null,
    onsetAt: info.onset,
    expiresAt: info.expires ?? ctx.now + ctx.defaultTtlMs,
    repeatEveryMs: defaultRepeatMs(content.kind),
    targets: verdict.evaluable ? verdict.targets : null,
  };
  const reasons: HoldReason[] = [];
  if (!verdict.evaluable) reasons.push('no_evaluable_area');
  if (!vietnamese) reasons.push('no_vietnamese');
  if (!ctx.senderTrusted) reasons.push('untrusted_sender');
  if (ctx.signatureProblem) reasons.push(ctx.signatureProblem);
  if (reasons.length || candidate.text === null || candidate.targets === null) return { action: 'hold', reasons, candidate };
  return { action: 'play', candidate: { ...candidate, text: candidate.text, targets: candidate.targets } };
}
