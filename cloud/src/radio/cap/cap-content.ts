import type { AlertKind, AlertSeverity } from '../alerts/alert-kinds.js';
import { capTargets, type CapHamlet, type CapTargets } from './cap-areas.js';
import type { CapAlert, CapInfo } from './cap-parser.js';

/** What the loudspeakers say for a CAP message, and where. */
export interface CapContent {
  title: string;
  text: string;
  severity: AlertSeverity;
  kind: AlertKind;
  /** Epoch ms; null when the message gives no expiry. */
  expiresAt: number | null;
  targets: CapTargets;
}

/** The info block to speak: the first in Vietnamese, else the first. */
export function chooseInfo(alert: CapAlert): CapInfo | null {
  return alert.infos.find((i) => /^vi\b/i.test(i.language)) ?? alert.infos[0] ?? null;
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
export function capContent(info: CapInfo, hamlets: readonly CapHamlet[]): CapContent | { error: string } {
  const eas = info.parameters.find((p) => p.valueName.toUpperCase() === 'EASTEXT')?.value;
  const text = eas ?? info.description ?? info.headline;
  if (!text) return { error: 'the info block has no EASText parameter, description or headline to speak' };
  return {
    title: (info.headline ?? info.event).slice(0, 200),
    text,
    severity: SEVERITY[info.severity],
    kind: kindOfEvent(info),
    expiresAt: info.expires,
    targets: capTargets(info.areas, hamlets),
  };
}
