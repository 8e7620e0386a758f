import type { Priority } from '@smart-commune/shared';
import type { AlertKind, AlertSeverity } from '../alerts/alert-kinds.js';
import { capPriority, capRiskLevel, type RiskLevel } from './cap-priority.js';
import type { CapAlert, CapInfo } from './cap-parser.js';

/** What a CAP info block says, as the loudspeakers would say it. */
export interface CapContent {
  title: string;
  text: string;
  severity: AlertSeverity;
  kind: AlertKind;
  priority: Priority;
  riskLevel: RiskLevel | null;
  /** Epoch ms; null when the message gives no expiry. */
  expiresAt: number | null;
}

/** `vi`, `vi-VN`, `VI-vn`: Vietnamese. */
export const isVietnamese = (language: string) => /^vi(-|$)/i.test(language.trim());

/** The info block to speak: the Vietnamese one. Null when there is none (never an English text read by a Vietnamese voice). */
export function chooseInfo(alert: CapAlert): CapInfo | null {
  return alert.infos.find((i) => isVietnamese(i.language)) ?? null;
}

/** CAP severity in our four levels; Unknown is taken as moderate (it is still an emergency to play). */
const SEVERITY: Record<CapInfo['severity'], AlertSeverity> = { Extreme: 'extreme', Severe: 'severe', Moderate: 'moderate', Minor: 'minor', Unknown: 'moderate' };

/** Storm and flood are told apart by the event's words, in Vietnamese (with diacritics: "bão", not "báo") or English. */
export function kindOfEvent(info: Pick<CapInfo, 'event' | 'categories'>): AlertKind {
  const event = info.event.normalize('NFC').toLowerCase();
  if (/bão|áp thấp nhiệt đới|storm|typhoon|cyclone|hurricane/.test(event)) return 'storm';
  if (/lũ|lụt|ngập|flood/.test(event)) return 'flood';
  if (/động đất|sóng thần|earthquake|tsunami/.test(event)) return 'earthquake';
  if (info.categories.includes('Fire') || /cháy|fire/.test(event)) return 'fire';
  if (info.categories.includes('Health') || /dịch|epidemic/.test(event)) return 'epidemic';
  return 'other';
}

/**
 * The spoken text is the EASText parameter when present (the exact words to broadcast), else the
 * description, else the headline; the title is the headline, else the event. Null text: nothing to say.
 */
export function capContent(info: CapInfo): CapContent | { error: string } {
  const eas = info.parameters.find((p) => p.valueName.toUpperCase() === 'EASTEXT')?.value;
  const text = eas ?? info.description ?? info.headline;
  if (!text) return { error: 'the info block has no EASText parameter, description or headline to speak' };
  const kind = kindOfEvent(info);
  const riskLevel = capRiskLevel(info, kind);
  return {
    title: (info.headline ?? info.event).slice(0, 200),
    text,
    severity: SEVERITY[info.severity],
    kind,
    priority: capPriority(info, riskLevel),
    riskLevel,
    expiresAt: info.expires,
  };
}
