// "Where it went" for an alert or a bulletin: the loudspeakers' proof of play beside the phones
// the notifications reached (Zalo OA, Web Push), from GET /api/v1/notifications/subjects/{subject}.
import { api, el, fill, formatTime } from './console.js';

/** The summary of `alert:<id>` or `bulletin:<id>`, or null when it cannot be read (the line is then left out). */
export async function fetchReach(subject) {
  try {
    return await api('GET', `/api/v1/notifications/subjects/${encodeURIComponent(subject)}`);
  } catch {
    return null;
  }
}

/** One line: "Loa: 3/4 ấp · Zalo OA: 1203 đã gửi, 2 lỗi, lần cuối 14:02 · Web Push: 12 đã gửi". `targeted`: an alert's hamlets. */
export function reachText(reach, s, lang, targeted = null) {
  const speakers = reach.loudspeakers;
  const parts = [];
  if (!speakers || speakers.starts === 0) parts.push(s.reachSpeakersNone);
  else if (targeted !== null) parts.push(fill(s.reachAlertSpeakers, { hamlets: speakers.hamlets, targeted }));
  else parts.push(fill(s.reachBulletinSpeakers, { starts: speakers.starts, hamlets: speakers.hamlets }));
  for (const c of reach.channels) {
    const extra = [
      c.queued + c.sending > 0 ? fill(s.reachQueued, { n: c.queued + c.sending }) : null,
      c.failed > 0 ? fill(s.reachFailed, { n: c.failed }) : null,
      c.lastSentAt ? fill(s.reachLast, { at: formatTime(c.lastSentAt, lang, true) }) : null,
    ].filter(Boolean);
    parts.push([fill(s.reachSent, { channel: s[`reach_${c.channel}`] ?? c.channel, sent: c.sent }), ...extra].join(', '));
  }
  if (reach.channels.length === 0) parts.push(s.reachNoChannel);
  return parts.join(' · ');
}

/** The line as an element, labelled, for a table cell. */
export function reachLine(reach, s, lang, targeted = null) {
  return el('p', { className: 'hint reach' }, el('strong', { textContent: `${s.reachLabel}: ` }), reachText(reach, s, lang, targeted));
}
