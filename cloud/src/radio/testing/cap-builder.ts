import { DateTime } from 'luxon';
import { CAP_NAMESPACE } from '../cap/cap-parser.js';

/**
 * Test support (tests and benchmarks import it): writes CAP 1.2 messages as an alerting authority
 * would, with the parts the alert rules look at (status, msgType, references, language, expiry,
 * areas as description, polygon, circle and geocode).
 */

export interface CapAreaSpec {
  areaDesc: string;
  /** "lat,lon lat,lon …", closed (first point repeated last). */
  polygon?: string;
  /** "lat,lon radius-km". */
  circle?: string;
  geocodes?: { valueName: string; value: string }[];
}

export interface CapInfoSpec {
  language: string;
  event: string;
  headline: string;
  /** Spoken as the EASText parameter. */
  text: string;
  category?: string;
  severity?: 'Extreme' | 'Severe' | 'Moderate' | 'Minor' | 'Unknown';
  /** Epoch ms; absent: no expires. */
  expires?: number;
  areas: CapAreaSpec[];
}

export interface CapMessageSpec {
  identifier: string;
  sender: string;
  /** Epoch ms. */
  sent: number;
  status?: 'Actual' | 'Exercise' | 'System' | 'Test' | 'Draft';
  msgType?: 'Alert' | 'Update' | 'Cancel';
  /** Earlier messages this one updates or cancels. */
  references?: { sender: string; identifier: string; sent: number }[];
  infos: CapInfoSpec[];
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A CAP date-time in the commune's zone, to the second, as CAP requires. */
export const capTime = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Ho_Chi_Minh' }).toISO({ suppressMilliseconds: true, includeOffset: true })!.replace(/\.\d+/, '');

function area(a: CapAreaSpec): string {
  const geocodes = (a.geocodes ?? []).map((g) => `<geocode><valueName>${esc(g.valueName)}</valueName><value>${esc(g.value)}</value></geocode>`).join('');
  return `<area><areaDesc>${esc(a.areaDesc)}</areaDesc>${a.polygon ? `<polygon>${a.polygon}</polygon>` : ''}${a.circle ? `<circle>${a.circle}</circle>` : ''}${geocodes}</area>`;
}

function info(i: CapInfoSpec): string {
  return `<info><language>${esc(i.language)}</language><category>${i.category ?? 'Met'}</category><event>${esc(i.event)}</event>` +
    `<urgency>Immediate</urgency><severity>${i.severity ?? 'Severe'}</severity><certainty>Observed</certainty>` +
    `${i.expires !== undefined ? `<expires>${capTime(i.expires)}</expires>` : ''}<headline>${esc(i.headline)}</headline><description>${esc(i.text)}</description>` +
    `<parameter><valueName>EASText</valueName><value>${esc(i.text)}</value></parameter>${i.areas.map(area).join('')}</info>`;
}

export function buildCap(m: CapMessageSpec): string {
  const refs = m.references?.length ? `<references>${m.references.map((r) => `${r.sender},${r.identifier},${capTime(r.sent)}`).join(' ')}</references>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${CAP_NAMESPACE}"><identifier>${esc(m.identifier)}</identifier><sender>${esc(m.sender)}</sender><sent>${capTime(m.sent)}</sent>` +
    `<status>${m.status ?? 'Actual'}</status><msgType>${m.msgType ?? 'Alert'}</msgType><scope>Public</scope>${refs}${m.infos.map(info).join('')}</alert>`;
}
