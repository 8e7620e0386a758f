import { html } from 'hono/html';
import type { Translate } from '../i18n.js';
import type { HamletChoice } from './radio-markup.js';
import type { stationsMessages } from './stations-messages.js';

type T = Translate<keyof (typeof stationsMessages)['vi']>;

function hamletsFieldset(t: T, hamlets: HamletChoice[], prefix: string) {
  return html`<fieldset>
  <legend>${t('targets')}</legend>
  <div class="choices">
    <label><input type="radio" name="${prefix}-target" value="all" checked> ${t('allHamlets')}</label>
    <label><input type="radio" name="${prefix}-target" value="chosen"> ${t('chosenHamlets')}</label>
  </div>
  <div class="choices">
    ${hamlets.map((h) => html`<label><input type="checkbox" name="${prefix}-hamlet" value="${h.code}"> ${h.name}</label>`)}
  </div>
</fieldset>`;
}

function prioritySelect(t: T, id: string) {
  return html`<label for="${id}">${t('priority')}</label>
<select id="${id}" name="priority">${(['normal', 'priority', 'emergency'] as const).map((p) => html`<option value="${p}">${t(`priority_${p}`)}</option>`)}</select>`;
}

/** The relays page: what is on air, relay now, the stations, the relay schedule, recent relays (radio-stations.js fills the lists). */
export function stationsMarkup(t: T, hamlets: HamletChoice[]) {
  return html`<p class="hint">${t('stationsIntro')}</p>
<section aria-labelledby="onair-heading">
  <h2 id="onair-heading">${t('onAirTitle')}</h2>
  <div id="on-air" aria-live="polite"></div>
</section>
<p id="relay-status" role="status" hidden></p>
<div class="grid two">
<section class="card" aria-labelledby="now-heading">
  <h2 id="now-heading">${t('relayNowTitle')}</h2>
  <form id="relay-form" class="stack">
    <label for="relay-station">${t('station')}</label>
    <select id="relay-station" name="station" required><option value="">${t('chooseStation')}</option></select>
    ${hamletsFieldset(t, hamlets, 'relay')}
    ${prioritySelect(t, 'relay-priority')}
    <label for="relay-minutes">${t('durationMinutes')}</label>
    <input id="relay-minutes" name="minutes" type="number" min="1" max="1440" aria-describedby="relay-minutes-hint">
    <p class="hint" id="relay-minutes-hint">${t('durationHint')}</p>
    <button type="submit" class="primary">${t('startRelay')}</button>
  </form>
</section>
<section class="card" aria-labelledby="window-heading">
  <h2 id="window-heading">${t('windowsTitle')}</h2>
  <p class="hint">${t('windowsIntro')}</p>
  <form id="window-form" class="stack">
    <label for="window-station">${t('station')}</label>
    <select id="window-station" name="station" required><option value="">${t('chooseStation')}</option></select>
    <label for="window-title">${t('title')}</label>
    <input id="window-title" name="title" required maxlength="200">
    <div class="grid two">
      <div class="stack"><label for="window-date">${t('date')}</label><input id="window-date" name="date" type="date" required></div>
      <div class="stack"><label for="window-time">${t('time')}</label><input id="window-time" name="time" type="time" required></div>
    </div>
    <label for="window-minutes">${t('durationMinutes')}</label>
    <input id="window-minutes" name="minutes" type="number" min="1" max="1440" required>
    <fieldset>
      <legend>${t('repeat')}</legend>
      <div class="choices">
        <label><input type="radio" name="repeat" value="once" checked> ${t('repeat_once')}</label>
        <label><input type="radio" name="repeat" value="daily"> ${t('repeat_daily')}</label>
        <label><input type="radio" name="repeat" value="weekdays"> ${t('repeat_weekdays')}</label>
      </div>
    </fieldset>
    ${hamletsFieldset(t, hamlets, 'window')}
    ${prioritySelect(t, 'window-priority')}
    <button type="submit" class="primary">${t('addWindow')}</button>
  </form>
  <ul id="window-list" class="stack"></ul>
</section>
</div>
<section aria-labelledby="stations-heading">
  <h2 id="stations-heading">${t('stationsListTitle')}</h2>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="stations-heading"><table id="station-list"><thead><tr>
    <th>${t('stationName')}</th><th>${t('stationUrl')}</th><th>${t('fallbackUrl')}</th><th></th>
  </tr></thead><tbody></tbody></table></div>
  <form id="station-form" class="card grid two">
    <div class="stack"><label for="station-name">${t('stationName')}</label><input id="station-name" name="name" required maxlength="100"></div>
    <div class="stack"><label for="station-url">${t('stationUrl')}</label><input id="station-url" name="url" type="url" required maxlength="2000" placeholder="http://"></div>
    <div class="stack"><label for="station-fallback">${t('fallbackUrl')}</label><input id="station-fallback" name="fallbackUrl" type="url" maxlength="2000" placeholder="http://"></div>
    <div class="actions"><button type="button" id="station-check">${t('check')}</button><button type="submit" class="primary">${t('addStation')}</button></div>
  </form>
  <p id="station-status" role="status" hidden></p>
</section>
<section aria-labelledby="history-heading">
  <h2 id="history-heading">${t('historyTitle')}</h2>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="history-heading"><table id="relay-history"><thead><tr>
    <th>${t('startedAt')}</th><th>${t('station')}</th><th>${t('hamletsHeard')}</th><th>${t('result')}</th><th>${t('urlUsed')}</th>
  </tr></thead><tbody></tbody></table></div>
</section>`;
}
