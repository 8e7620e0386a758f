import type { Priority } from '@smart-commune/shared';
import type { AlertKind } from '../alerts/alert-kinds.js';
import { foldVietnamese } from './cap-areas.js';
import type { CapInfo } from './cap-parser.js';

/** QĐ 18/2021/QĐ-TTg Điều 4: cấp độ rủi ro thiên tai 1 (thấp) … 5 (thảm họa). */
export type RiskLevel = 1 | 2 | 3 | 4 | 5;

const SOON = new Set<CapInfo['urgency']>(['Immediate', 'Expected']);
const GRAVE = new Set<CapInfo['severity']>(['Extreme', 'Severe']);

/**
 * The bulletin priority of Thông tư 39/2020/TT-BTTTT a CAP info block gets (the table is in
 * docs/http-api.md, "CAP priority and risk level"):
 * - `emergency` (bản tin khẩn cấp, played at once, interrupting): Extreme or Severe, Immediate or
 *   Expected, and not Unlikely; or a natural disaster of risk level 3 or more.
 * - `priority` (bản tin ưu tiên, first in the programme): any other that is not Unlikely and is
 *   Moderate or graver, or Immediate or Expected.
 * - `normal` (bản tin thông thường): the rest (Minor or Unknown and Future, Past or Unknown; or Unlikely).
 */
export function capPriority(info: Pick<CapInfo, 'urgency' | 'severity' | 'certainty'>, riskLevel: RiskLevel | null): Priority {
  if (info.certainty === 'Unlikely') return 'normal';
  if ((GRAVE.has(info.severity) && SOON.has(info.urgency)) || (riskLevel ?? 0) >= 3) return 'emergency';
  if (GRAVE.has(info.severity) || info.severity === 'Moderate' || SOON.has(info.urgency)) return 'priority';
  return 'normal';
}

/** Categories of natural hazards (QĐ 18/2021 covers storms, floods, landslides, drought, earthquakes …). */
const NATURAL: readonly CapInfo['categories'][number][] = ['Geo', 'Met'];
const NATURAL_KINDS: readonly AlertKind[] = ['storm', 'flood', 'earthquake'];

/** Severity when the sender does not state the level; level 5 (thảm họa) only when a sender says so. */
const LEVEL_OF_SEVERITY: Record<CapInfo['severity'], RiskLevel | null> = { Minor: 1, Moderate: 2, Severe: 3, Extreme: 4, Unknown: null };

/** "cấp độ rủi ro thiên tai cấp 4", "rủi ro thiên tai cấp độ 3" in the sender's own words. */
const STATED_LEVEL = /rui ro thien tai (?:cap do |cap )*([1-5])\b/;

/**
 * The disaster risk level of QĐ 18/2021/QĐ-TTg for a natural disaster, null for other events. The
 * level the sender states wins (a parameter named like `capDoRuiRo` or `riskLevel`, or the words
 * "cấp độ rủi ro thiên tai cấp N" in the text); otherwise it follows CAP severity: Minor 1,
 * Moderate 2, Severe 3, Extreme 4.
 */
export function capRiskLevel(info: Pick<CapInfo, 'categories' | 'severity' | 'parameters' | 'headline' | 'description'>, kind: AlertKind): RiskLevel | null {
  if (!NATURAL_KINDS.includes(kind) && !info.categories.some((c) => NATURAL.includes(c))) return null;
  const parameter = info.parameters.find((p) => ['capdoruiro', 'risklevel'].includes(foldVietnamese(p.valueName).replace(/ /g, '')));
  const stated = parameter?.value.trim().match(/^[1-5]$/)?.[0] ?? STATED_LEVEL.exec(foldVietnamese(`${info.headline ?? ''} ${info.description ?? ''}`))?.[1];
  return stated ? (Number(stated) as RiskLevel) : LEVEL_OF_SEVERITY[info.severity];
}
