import { html } from 'hono/html';
import { alertKinds, alertSeverities } from '../../radio/alerts/alert-kinds.js';
import type { Translate } from '../i18n.js';
import type { radioMessages } from './radio-messages.js';

type T = Translate<keyof (typeof radioMessages)['vi']>;
export interface HamletChoice {
  code: string;
  name: string;
}
export interface VoiceChoice {
  id: string;
  label: string;
}

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/**
 * The hamlet picker shared by schedules and alerts: all, or chosen ones. `communes`: a province-level
 * person's programme (issue 10), for the whole province, chosen communes or hamlets of any commune.
 */
function targetsFieldset(t: T, hamlets: HamletChoice[], prefix: string, communes: HamletChoice[] | null = null) {
  return html`<fieldset>
  <legend>${t('targets')}</legend>
  <div class="choices">
    <label><input type="radio" name="${prefix}-target" value="all" checked> ${communes ? t('allCommunes') : t('allHamlets')}</label>
    ${communes ? html`<label><input type="radio" name="${prefix}-target" value="communes"> ${t('chosenCommunes')}</label>` : ''}
    <label><input type="radio" name="${prefix}-target" value="chosen"> ${t('chosenHamlets')}</label>
  </div>
  ${communes
    ? html`<div class="choices" id="${prefix}-communes">
    ${communes.map((c) => html`<label><input type="checkbox" name="${prefix}-commune" value="${c.code}"> ${c.name}</label>`)}
  </div>`
    : ''}
  <div class="choices" id="${prefix}-hamlets">
    ${hamlets.map((h) => html`<label><input type="checkbox" name="${prefix}-hamlet" value="${h.code}"> ${h.name}</label>`)}
  </div>
</fieldset>`;
}

export function bulletinsMarkup(t: T, voices: VoiceChoice[], defaultVoice: string) {
  return html`<div class="grid two">
<section class="card" aria-labelledby="speech-heading">
  <h2 id="speech-heading">${t('newSpeech')}</h2>
  <form id="speech-form" class="stack">
    <label for="speech-title">${t('title')}</label>
    <input id="speech-title" name="title" required maxlength="200">
    <label for="speech-text">${t('text')}</label>
    <textarea id="speech-text" name="text" required maxlength="5000" aria-describedby="speech-text-hint"></textarea>
    <p class="hint" id="speech-text-hint">${t('textHint')}</p>
    <fieldset>
      <legend>${t('voice')}</legend>
      <div class="choices">
        ${voices.map((v) => html`<label><input type="radio" name="voice" value="${v.id}" ${v.id === defaultVoice ? 'checked' : ''}> ${v.label}</label>`)}
      </div>
    </fieldset>
    <label for="speech-speed">${t('speed')}</label>
    <input id="speech-speed" name="speed" type="number" min="80" max="300" step="10" value="160" required aria-describedby="speech-speed-hint">
    <p class="hint" id="speech-speed-hint">${t('speedHint')}</p>
    <button type="button" id="speech-preview">${t('preview')}</button>
    <div id="speech-heard" hidden>
      <audio id="speech-preview-audio" controls aria-label="${t('previewAudio')}"></audio>
      <p class="hint" id="speech-preview-facts"></p>
    </div>
    <button type="submit" class="primary">${t('saveBulletin')}</button>
  </form>
</section>
<section class="card" aria-labelledby="upload-heading">
  <h2 id="upload-heading">${t('upload')}</h2>
  <form id="upload-form" class="stack">
    <label for="upload-title">${t('title')}</label>
    <input id="upload-title" name="title" required maxlength="200">
    <label for="upload-file">${t('file')}</label>
    <input id="upload-file" name="file" type="file" accept="audio/*,.mp3,.wav,.ogg,.opus,.m4a" required>
    <audio id="upload-local" controls hidden></audio>
    <button type="submit" class="primary">${t('uploadButton')}</button>
  </form>
</section>
</div>
<p id="bulletin-status" role="status" hidden></p>
<section class="card" id="result" hidden aria-labelledby="result-heading">
  <h2 id="result-heading">${t('result')}: <span id="result-title"></span></h2>
  <audio id="result-audio" controls preload="metadata"></audio>
  <dl class="facts">
    <dt>${t('duration')}</dt><dd id="result-duration"></dd>
    <dt>${t('loudness')}</dt><dd id="result-loudness"></dd>
    <dt>${t('truePeak')}</dt><dd id="result-peak"></dd>
  </dl>
  <a class="button primary" id="result-schedule" href="/radio/schedule">${t('scheduleThis')}</a>
</section>
<h2 id="recent-heading">${t('recent')}</h2>
<div class="table-wrap" role="region" tabindex="0" aria-labelledby="recent-heading"><table id="bulletin-list"><thead><tr>
  <th>${t('title')}</th><th>${t('voice')}</th><th>${t('duration')}</th><th>${t('loudness')}</th><th></th>
</tr></thead><tbody></tbody></table></div>
<section class="card" aria-labelledby="dictionary-heading">
  <h2 id="dictionary-heading">${t('dictionaryTitle')}</h2>
  <p class="hint">${t('dictionaryHint')}</p>
  <form id="dictionary-form" class="grid two">
    <div class="stack"><label for="dict-abbreviation">${t('abbreviation')}</label><input id="dict-abbreviation" name="abbreviation" required maxlength="40" autocomplete="off"></div>
    <div class="stack"><label for="dict-expansion">${t('expansion')}</label><input id="dict-expansion" name="expansion" required maxlength="200"></div>
    <div class="actions"><button type="submit" class="primary">${t('saveAbbreviation')}</button></div>
  </form>
  <p id="dictionary-status" role="status" hidden></p>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="dictionary-heading"><table id="dictionary-list"><thead><tr>
    <th>${t('abbreviation')}</th><th>${t('expansion')}</th><th>${t('dictionarySource')}</th><th></th>
  </tr></thead><tbody></tbody></table></div>
</section>`;
}

export function scheduleMarkup(t: T, hamlets: HamletChoice[], communes: HamletChoice[] | null = null) {
  return html`<div class="actions">
  <button type="button" id="prev-week">${t('prevWeek')}</button>
  <button type="button" id="this-week">${t('thisWeek')}</button>
  <button type="button" id="next-week">${t('nextWeek')}</button>
</div>
<h2 id="week-heading" aria-live="polite"></h2>
<div class="week" id="week"></div>
<section class="card" aria-labelledby="item-heading">
  <h2 id="item-heading">${t('newItem')}</h2>
  <form id="item-form" class="stack">
    <label for="item-bulletin">${t('bulletin')}</label>
    <select id="item-bulletin" name="bulletin" required><option value="">${t('chooseBulletin')}</option></select>
    <label for="item-title">${t('title')}</label>
    <input id="item-title" name="title" required maxlength="200">
    <div class="grid two">
      <div class="stack"><label for="item-date">${t('date')}</label><input id="item-date" name="date" type="date" required></div>
      <div class="stack"><label for="item-time">${t('time')}</label><input id="item-time" name="time" type="time" required></div>
    </div>
    <fieldset>
      <legend>${t('repeat')}</legend>
      <div class="choices">
        <label><input type="radio" name="repeat" value="once" checked> ${t('repeat_once')}</label>
        <label><input type="radio" name="repeat" value="daily"> ${t('repeat_daily')}</label>
        <label><input type="radio" name="repeat" value="weekly"> ${t('repeat_weekly')}</label>
      </div>
      <div class="choices" id="item-weekdays">
        ${WEEKDAYS.map((d) => html`<label><input type="checkbox" name="weekday" value="${d}"> ${t(`day_${d}`)}</label>`)}
      </div>
      <div class="grid two">
        <div class="stack"><label for="item-interval">${t('everyWeeks')}</label><input id="item-interval" name="interval" type="number" min="1" max="52" value="1"></div>
        <div class="stack"><label for="item-until">${t('until')}</label><input id="item-until" name="until" type="date"></div>
      </div>
    </fieldset>
    ${targetsFieldset(t, hamlets, 'item', communes)}
    <div class="grid two">
      <div class="stack"><label for="item-priority">${t('priority')}</label>
        <select id="item-priority" name="priority">
          ${(['normal', 'priority', 'emergency'] as const).map((p) => html`<option value="${p}">${t(`priority_${p}`)}</option>`)}
        </select></div>
      <div class="stack"><label for="item-volume">${t('volume')}</label><input id="item-volume" name="volume" type="number" min="0" max="100" value="100"></div>
    </div>
    <p id="item-status" role="status" hidden></p>
    <div class="actions">
      <button type="submit" class="primary">${t('save')}</button>
      <button type="button" id="item-cancel" hidden>${t('cancelEdit')}</button>
      <button type="button" id="item-delete" class="danger" hidden>${t('delete')}</button>
    </div>
  </form>
</section>`;
}

export function alertsMarkup(t: T, hamlets: HamletChoice[]) {
  return html`<p class="notice">${t('alertWarning')}</p>
<section class="card" id="held-section" aria-labelledby="held-heading">
  <h2 id="held-heading">${t('heldTitle')}</h2>
  <p class="hint">${t('heldHint')}</p>
  <p id="held-status" role="status" hidden></p>
  <div id="held-list" class="stack"><p class="hint">${t('noHeld')}</p></div>
</section>
<section class="card danger-zone" aria-labelledby="alert-heading">
  <h2 id="alert-heading">${t('alertsTitle')}</h2>
  <form id="alert-form" class="stack">
    <div class="grid two">
      <div class="stack"><label for="alert-kind">${t('alertKind')}</label>
        <select id="alert-kind" name="kind">${alertKinds.map((k) => html`<option value="${k}">${t(`kind_${k}`)}</option>`)}</select></div>
      <div class="stack"><label for="alert-severity">${t('severity')}</label>
        <select id="alert-severity" name="severity">${alertSeverities.map((s) => html`<option value="${s}" ${s === 'severe' ? 'selected' : ''}>${t(`severity_${s}`)}</option>`)}</select></div>
    </div>
    <label for="alert-title">${t('title')}</label>
    <input id="alert-title" name="title" maxlength="200">
    <label for="alert-text">${t('alertText')}</label>
    <textarea id="alert-text" name="text" required maxlength="5000"></textarea>
    ${targetsFieldset(t, hamlets, 'alert')}
    <div class="grid two">
      <div class="stack"><label for="alert-hours">${t('expiresIn')}</label><input id="alert-hours" name="hours" type="number" min="1" max="168" value="6" required></div>
      <div class="stack"><label for="alert-repeat">${t('repeatMinutes')}</label><input id="alert-repeat" name="repeat" type="number" min="5" max="1440"></div>
    </div>
    <button type="submit" class="primary">${t('review')}</button>
  </form>
  <div id="alert-confirm" hidden>
    <h3 id="confirm-heading">${t('confirmTitle')}</h3>
    <p id="confirm-text"></p>
    <blockquote id="confirm-quote"></blockquote>
    <div class="actions">
      <button type="button" id="alert-send" class="danger">${t('confirmSend')}</button>
      <button type="button" id="alert-back">${t('back')}</button>
    </div>
  </div>
  <p id="alert-status" role="status" hidden></p>
</section>
<h2 id="active-alerts-heading">${t('activeAlerts')}</h2>
<div class="table-wrap" role="region" tabindex="0" aria-labelledby="active-alerts-heading"><table id="alert-list"><thead><tr>
  <th>${t('title')}</th><th>${t('where')}</th><th>${t('startedAt')}</th><th>${t('expiresAt')}</th><th></th>
</tr></thead><tbody></tbody></table></div>`;
}

/**
 * `schedule`: one programme's proof of play (from the calendar), with its line per commune.
 * `communes`: a province-level person's commune filter (issue 10).
 */
export function playbackMarkup(t: T, hamlets: HamletChoice[], schedule: string | null = null, communes: HamletChoice[] | null = null) {
  return html`${schedule === null
    ? ''
    : html`<section class="card" aria-labelledby="pb-communes-heading">
  <h2 id="pb-communes-heading">${t('byCommuneTitle')}</h2>
  <p class="hint">${t('byCommuneHint')}</p>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="pb-communes-heading"><table id="pb-communes"><thead><tr>
    <th>${t('commune')}</th><th>${t('boxes')}</th><th>${t('hamletsReached')}</th><th>${t('state_completed')}</th><th>${t('state_failed')}</th><th>${t('state_missed')}</th><th>${t('firstStart')}</th>
  </tr></thead><tbody></tbody></table></div>
</section>`}<form id="playback-form" class="card grid two">
  ${schedule === null ? '' : html`<input type="hidden" name="schedule" value="${schedule}">`}
  ${communes === null
    ? ''
    : html`<div class="stack"><label for="pb-commune">${t('commune')}</label>
    <select id="pb-commune" name="commune"><option value="">${t('anyCommune')}</option>${communes.map((c) => html`<option value="${c.code}">${c.name}</option>`)}</select></div>`}
  <div class="stack"><label for="pb-hamlet">${t('hamlet')}</label>
    <select id="pb-hamlet" name="hamlet"><option value="">${t('anyHamlet')}</option>${hamlets.map((h) => html`<option value="${h.code}">${h.name}</option>`)}</select></div>
  <div class="stack"><label for="pb-state">${t('state')}</label>
    <select id="pb-state" name="state"><option value="">${t('anyState')}</option>
      ${(['started', 'completed', 'interrupted', 'failed', 'missed'] as const).map((s) => html`<option value="${s}">${t(`state_${s}`)}</option>`)}</select></div>
  <div class="stack"><label for="pb-from">${t('from')}</label><input id="pb-from" name="from" type="date"></div>
  <div class="stack"><label for="pb-to">${t('to')}</label><input id="pb-to" name="to" type="date"></div>
  <div class="actions"><button type="submit" class="primary">${t('show')}</button><a class="button" id="pb-csv" href="/api/v1/playback.csv" download>${t('downloadCsv')}</a></div>
</form>
<p id="pb-status" role="status" hidden></p>
<p id="pb-total" class="hint"></p>
<div class="table-wrap" role="region" tabindex="0" aria-label="${t('playbackTitle')}"><table id="pb-list"><thead><tr>
  <th>${t('hamlet')}</th><th>${t('box')}</th><th>${t('title')}</th><th>${t('planned')}</th><th>${t('actual')}</th><th>${t('offset')}</th><th>${t('state')}</th><th>${t('reason')}</th>
</tr></thead><tbody></tbody></table></div>`;
}
