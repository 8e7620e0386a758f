import { html } from 'hono/html';
import { CSRF_FIELD } from '../../auth/session-cookie.js';
import type { FootageRequest } from '../../footage/footage-store.js';
import type { Lang, Translate } from '../i18n.js';
import type { footageMessages } from './footage-messages.js';
import { localTime, policeStyles } from './police-markup.js';

type T = Translate<keyof (typeof footageMessages)['vi']>;

export interface CameraChoice {
  value: string;
  label: string;
}

export interface FootagePageInput {
  cameras: CameraChoice[];
  requests: Array<FootageRequest & { edgeOnline: boolean; cameraLabel: string }>;
  csrf: string | null;
  /** What was typed, shown again with the error. */
  form: Record<string, string>;
  error: string | null;
  sent: boolean;
}

function stateLine(t: T, lang: Lang, r: FootagePageInput['requests'][number]) {
  const label = r.state === 'waiting' && !r.edgeOnline ? t('waitingOffline') : t(`state_${r.state}`);
  const missing = r.missing.length ? t('missing', { ranges: r.missing.map((m) => `${localTime(m.fromMs, lang)} – ${localTime(m.toMs, lang)}`).join('; ') }) : '';
  const held = r.state === 'unavailable' || r.state === 'partial' ? (r.held ? t('held', { from: localTime(r.held.fromMs, lang), to: localTime(r.held.toMs, lang) }) : t('heldNothing')) : '';
  return html`<p><span class="badge footage-${r.state}${r.state === 'waiting' && !r.edgeOnline ? ' offline' : ''}">${label}</span>
    ${r.incidentId ? html` <a href="/police/incidents/${r.incidentId}">${t('open')}</a>` : ''}</p>
    ${missing ? html`<p class="notice">${missing}</p>` : ''}${held ? html`<p class="hint">${held}</p>` : ''}${r.error ? html`<p class="error">${r.error}</p>` : ''}`;
}

/** The request form (a plain POST: it works without scripts) and the requests with their state. */
export function footagePage(t: T, lang: Lang, input: FootagePageInput) {
  const f = input.form;
  return html`${policeStyles}
<p class="hint">${t('intro')}</p>
<form class="card" method="post" action="/police/footage">
  ${input.csrf ? html`<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">` : ''}
  <div class="stack"><label for="ft-camera">${t('camera')}</label><select id="ft-camera" name="camera" required>
    <option value="">${t('choose')}</option>
    ${input.cameras.map((c) => html`<option value="${c.value}"${c.value === f.camera ? html` selected` : ''}>${c.label}</option>`)}
  </select></div>
  <div class="stack"><label for="ft-from">${t('from')}</label><input id="ft-from" name="from" type="datetime-local" step="1" required value="${f.from ?? ''}"></div>
  <div class="stack"><label for="ft-to">${t('to')}</label><input id="ft-to" name="to" type="datetime-local" step="1" required value="${f.to ?? ''}"></div>
  <div class="stack"><label for="ft-reason">${t('reason')}</label><input id="ft-reason" name="reason" required minlength="3" maxlength="500" value="${f.reason ?? ''}"></div>
  <div class="actions"><button type="submit" class="primary">${t('submit')}</button></div>
</form>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${input.sent ? html`<p class="success" role="status">${t('sent')}</p>` : ''}
<h2>${t('requests')}</h2>
${input.requests.length === 0 ? html`<p class="hint">${t('none')}</p>` : ''}
<ul class="queue" id="footage-requests">
  ${input.requests.map(
    (r) => html`<li class="card" data-id="${r.id}" data-state="${r.state}">
    <p><strong>${r.cameraLabel}</strong> · ${localTime(r.fromMs, lang)} – ${localTime(r.toMs, lang)}</p>
    <p class="hint">${r.reason} · ${t('requestedBy')}: ${r.requestedBy ?? '—'} · ${localTime(r.createdAt, lang)}</p>
    ${stateLine(t, lang, r)}
  </li>`,
  )}
</ul>`;
}
