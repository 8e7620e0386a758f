import { DateTime } from 'luxon';
import { CAP_NAMESPACE } from '../cap/cap-parser.js';
import type { LatLon } from '../cap/cap-geography.js';

/**
 * CAP 1.2 documents as an alerting authority writes them, for tests and the CAP benchmark (nothing
 * else imports it): every element written from the options, times as CAP writes them in the
 * commune's zone.
 */

export interface TestArea {
  areaDesc: string;
  polygon?: LatLon[];
  circle?: { centre: LatLon; km: number };
  geocodes?: { valueName: string; value: string }[];
}

export interface TestInfo {
  language?: string;
  category?: string;
  event?: string;
  urgency?: string;
  severity?: string;
  certainty?: string;
  effective?: number;
  onset?: number;
  /** Epoch ms; absent: no expires. */
  expires?: number;
  headline?: string;
  description?: string;
  /** The EASText parameter: the words to read. */
  eas?: string;
  areas?: TestArea[];
}

/** The same words as description and EASText, as a feed's message usually carries them. */
export const says = (text: string): Pick<TestInfo, 'description' | 'eas'> => ({ description: text, eas: text });

export interface TestMessage {
  identifier: string;
  sender?: string;
  sent: number;
  status?: string;
  msgType?: string;
  /** Earlier messages this one updates or cancels (sent: epoch ms). */
  references?: { sender: string; identifier: string; sent: number }[];
  infos?: TestInfo[];
}

export const TEST_SENDER = 'canhbao@kttv-haugiang.gov.vn';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const capTime = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Ho_Chi_Minh' }).toISO({ suppressMilliseconds: true })!;
const el = (name: string, value: string | number | undefined) => (value === undefined ? '' : `<${name}>${typeof value === 'number' ? capTime(value) : esc(value)}</${name}>`);

function area(a: TestArea): string {
  const polygon = a.polygon ? `<polygon>${a.polygon.map(([lat, lon]) => `${lat},${lon}`).join(' ')}</polygon>` : '';
  const circle = a.circle ? `<circle>${a.circle.centre[0]},${a.circle.centre[1]} ${a.circle.km}</circle>` : '';
  const geocodes = (a.geocodes ?? []).map((g) => `<geocode><valueName>${esc(g.valueName)}</valueName><value>${esc(g.value)}</value></geocode>`).join('');
  return `<area>${el('areaDesc', a.areaDesc)}${polygon}${circle}${geocodes}</area>`;
}

function info(i: TestInfo): string {
  return [
    '<info>',
    el('language', i.language ?? 'vi-VN'),
    el('category', i.category ?? 'Met'),
    el('event', i.event ?? 'Lũ trên kênh Xà No'),
    el('urgency', i.urgency ?? 'Immediate'),
    el('severity', i.severity ?? 'Severe'),
    el('certainty', i.certainty ?? 'Observed'),
    el('effective', i.effective),
    el('onset', i.onset),
    el('expires', i.expires),
    el('headline', i.headline ?? 'Nước kênh Xà No lên nhanh'),
    el('description', i.description),
    i.eas === undefined ? '' : `<parameter><valueName>EASText</valueName><value>${esc(i.eas)}</value></parameter>`,
    ...(i.areas ?? []).map(area),
    '</info>',
  ].join('');
}

export function capMessage(m: TestMessage): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?><alert xmlns="${CAP_NAMESPACE}">`,
    el('identifier', m.identifier),
    el('sender', m.sender ?? TEST_SENDER),
    el('sent', m.sent),
    el('status', m.status ?? 'Actual'),
    el('msgType', m.msgType ?? 'Alert'),
    el('scope', 'Public'),
    el('references', m.references?.length ? m.references.map((r) => `${r.sender},${r.identifier},${capTime(r.sent)}`).join(' ') : undefined),
    ...(m.infos ?? [{}]).map(info),
    '</alert>',
  ].join('');
}
