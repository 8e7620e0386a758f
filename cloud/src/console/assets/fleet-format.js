// Shared by the technician's pages: how a box's state reads.
import { describeFailure, el, formatTime } from './console.js';

/** -3.5 → "−3,5 ms"; null → "—". */
export function formatOffset(ms, lang) {
  if (ms === null || ms === undefined) return '—';
  return `${new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(ms)} ms`;
}

/** A badge for online/offline that reads in words, not only colour. */
export function connectionBadge(edge, s) {
  return el('span', { className: `badge ${edge.online ? 'completed' : 'failed'}` }, edge.online ? s.online : s.offline);
}

export function statusText(edge, s) {
  return s[`status_${edge.status}`] ?? edge.status;
}

export function lastSeen(edge, s, lang) {
  return edge.lastSeenAt ? formatTime(edge.lastSeenAt, lang, true) : s.never;
}

/** A camera's stream state in words, with its error when there is one. */
export function cameraState(camera, s) {
  const state = camera.live?.status ?? 'unknown';
  const words = s[`cameraStatus_${state}`] ?? state;
  const badge = el('span', { className: `badge ${state === 'streaming' ? 'completed' : state === 'reconnecting' || state === 'failed' ? 'failed' : ''}` }, words);
  const parts = [badge];
  if (camera.live?.error) parts.push(' ', camera.live.error);
  // a camera over its items-per-hour limit: the warning and the fix the box suggests
  const flood = camera.live?.flood;
  if (flood) {
    const text = (s.cameraFlood ?? '{n} / {limit}').replace('{n}', String(flood.itemsLastHour)).replace('{limit}', String(flood.limit));
    parts.push(' ', el('span', { className: 'badge failed', title: flood.suggestion.advice }, text), ' ', flood.suggestion.advice);
  }
  return parts.length === 1 ? badge : el('span', {}, ...parts);
}


/** A failure in words, with the fields the server named (e.g. "source.url: must be an rtsp:// URL"). */
export function failureText(err, s) {
  const details = Array.isArray(err?.details) ? err.details.filter((d) => d.path !== undefined) : [];
  return describeFailure(err, s) + (details.length ? ` (${details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : '');
}
