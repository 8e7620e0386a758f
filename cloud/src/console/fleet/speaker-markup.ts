import { html } from 'hono/html';
import type { Translate } from '../i18n.js';
import { ASSET_PREFIX } from '../layout.js';
import type { SpeakerAlarm } from '../../fleet/speakers/speaker-alarms.js';
import type { ZoneTransition } from '../../fleet/speakers/speaker-history.js';
import type { ZoneView } from '../../fleet/speakers/speaker-zones.js';
import type { speakerMessages } from './speaker-messages.js';

type T = Translate<keyof (typeof speakerMessages)['vi']>;

export const formatWhen = (ms: number, lang: 'vi' | 'en') =>
  new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short', hour12: false }).format(new Date(ms));

const stateLabel = (t: T, state: string | undefined) => t(`state_${state ?? 'none'}` as Parameters<T>[0]);

/** The banner on every page of those it concerns: each zone alarm on now, with a link to the zones page. */
export function alarmBanner(t: T, lang: 'vi' | 'en', alarms: SpeakerAlarm[], alarmAfterMs: number) {
  if (alarms.length === 0) return '';
  return html`<section class="card alarm-banner" role="alert" aria-labelledby="speaker-alarm-heading">
  <h2 id="speaker-alarm-heading">⚠ ${t('bannerTitle', { n: alarms.length, minutes: Math.max(1, Math.round(alarmAfterMs / 60_000)) })}</h2>
  <ul>${alarms.map(
    (a) => html`<li data-alarm="${a.edgeId}/${a.zone}">${t('bannerLine', { hamlet: a.hamletName ?? '—', box: a.edgeName, zone: a.zone, state: stateLabel(t, a.state), since: formatWhen(a.downSince, lang) })}${a.reason ? html` (${a.reason})` : ''}</li>`,
  )}</ul>
  <p><a href="/speakers">${t('bannerLink')}</a></p>
</section>`;
}

function yesNo(t: T, value: boolean | null | undefined) {
  return value === true ? t('yes') : value === false ? t('no') : t('unknown');
}

function zoneRow(t: T, lang: 'vi' | 'en', z: ZoneView, history: ZoneTransition[]) {
  const id = `${z.edgeId}-${z.zone}`;
  const r = z.reported;
  return html`<tr data-zone="${z.edgeId}/${z.zone}"${z.alarm ? html` class="alarm"` : ''}>
  <td>${z.edgeName}</td>
  <td>${z.zone}</td>
  <td class="zone-state">${stateLabel(t, r?.state)}${r?.reason && r.state !== 'ok' ? html`: ${r.reason}` : ''}${z.alarm ? html`<br><strong>${t('alarmSince', { since: formatWhen(z.alarm.downSince, lang) })}</strong>` : ''}${r?.muted ? html`<br><span class="hint">${t('mutedByConsole')}</span>` : ''}</td>
  <td>${yesNo(t, r?.reachable)}</td>
  <td>${yesNo(t, r?.playing)}</td>
  <td>${r?.lastError ? html`${r.lastError.message}<br><span class="hint">${formatWhen(r.lastError.at, lang)}</span>` : '—'}</td>
  <td>
    <form class="zone-form inline" data-edge="${z.edgeId}" data-zone="${z.zone}">
      <label for="vol-${id}" class="visually-hidden">${t('volume')}: ${z.zone}</label>
      <input id="vol-${id}" name="volume" type="number" min="0" max="100" step="1" required value="${z.volume}" inputmode="numeric">
      <label><input name="muted" type="checkbox"${z.muted ? html` checked` : ''}> ${t('muted')}</label>
      <button type="submit">${t('save')}</button>
    </form>
    ${z.applied ? '' : html`<span class="hint">${t('notApplied')}</span>`}
  </td>
  <td><details><summary>${t('history')}</summary>${
    history.length
      ? html`<ul class="compact">${history.map((h) => html`<li>${formatWhen(h.at, lang)}: ${stateLabel(t, h.state)}${h.reason ? html` (${h.reason})` : ''}</li>`)}</ul>`
      : html`<p class="hint">${t('historyNone')}</p>`
  }</details></td>
</tr>`;
}

/** Every zone by hamlet, its state, its volume and mute form, its recent history. */
export function speakersMarkup(t: T, lang: 'vi' | 'en', zones: ZoneView[], historyOf: (z: ZoneView) => ZoneTransition[]) {
  const hamlets = [...new Map(zones.map((z) => [z.hamletCode, z.hamletName])).entries()];
  return html`<link rel="stylesheet" href="${ASSET_PREFIX}fleet.css">
<p>${t('speakersIntro')}</p>
<p id="speakers-status" role="status" aria-live="polite" hidden></p>
${zones.length === 0 ? html`<p class="hint">${t('noZones')}</p>` : ''}
${hamlets.map(
  ([code, name]) => html`<section class="card" aria-labelledby="speakers-${code}">
  <h2 id="speakers-${code}">${name}</h2>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="speakers-${code}"><table class="zones"><thead><tr>
    <th>${t('box')}</th><th>${t('zone')}</th><th>${t('state')}</th><th>${t('reachable')}</th><th>${t('playing')}</th><th>${t('lastError')}</th><th>${t('volume')}</th><th>${t('history')}</th>
  </tr></thead><tbody>${zones.filter((z) => z.hamletCode === code).map((z) => zoneRow(t, lang, z, historyOf(z)))}</tbody></table></div>
</section>`,
)}`;
}
