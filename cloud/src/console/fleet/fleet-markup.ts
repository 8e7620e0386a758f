import { html } from 'hono/html';
import { DEFAULT_OBJECT_CLASSES } from '@smart-commune/shared';
import type { Translate } from '../i18n.js';
import { ASSET_PREFIX } from '../layout.js';
import type { fleetMessages } from './fleet-messages.js';
import { byCommune, hamletPlan, type PlanCommune, type PlanHamlet } from './fleet-plan.js';

type T = Translate<keyof (typeof fleetMessages)['vi']>;

/** The section's own styles (the frame loads console.css; a stylesheet link may sit in the body). */
const styles = html`<link rel="stylesheet" href="${ASSET_PREFIX}fleet.css">`;
const status = (id: string) => html`<p id="${id}" role="status" aria-live="polite" hidden></p>`;

/** The communes a province-level person sees, and the one chosen in the filter (undefined: all). */
export interface FleetCommunes {
  communes: PlanCommune[];
  chosen: string | undefined;
}

/** A commune filter (a plain GET form: works without the page script) for a person who sees several. */
function communeFilter(t: T, view: FleetCommunes) {
  return html`<form class="card filters" method="get" action="/fleet" aria-label="${t('communeFilter')}">
  <div class="stack"><label for="fleet-commune">${t('commune')}</label>
    <select id="fleet-commune" name="commune"><option value="">${t('allCommunes')}</option>${view.communes.map((c) => html`<option value="${c.code}"${c.code === view.chosen ? html` selected` : ''}>${c.name}</option>`)}</select></div>
  <div class="actions"><button type="submit">${t('show')}</button></div>
</form>`;
}

function hamletBoxes(t: T, h: PlanHamlet) {
  return html`<section class="card hamlet-boxes" id="hamlet-${h.code}" aria-labelledby="hamlet-${h.code}-heading">
  <h3 id="hamlet-${h.code}-heading">${h.name} <span class="hint" data-summary="${h.code}"></span></h3>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="hamlet-${h.code}-heading"><table class="boxes"><thead><tr>
    <th>${t('name')}</th><th>${t('status')}</th><th>${t('connection')}</th><th>${t('lastSeen')}</th>
    <th>${t('clockOffset')}</th><th>${t('version')}</th><th>${t('cameras')}</th><th>${t('speakers')}</th>
  </tr></thead><tbody data-hamlet="${h.code}"><tr><td colspan="8" class="hint">${t('noBoxes')}</td></tr></tbody></table></div>
</section>`;
}

/**
 * Hamlets and boxes. A person who sees several communes (province-level, issue 10) gets a commune
 * filter, one plan per commune under its name, the boxes listed commune by commune, and the new
 * box's hamlets grouped by commune; a commune's person sees their commune as before.
 */
export function fleetMarkup(t: T, hamlets: PlanHamlet[], view: FleetCommunes = { communes: [], chosen: undefined }) {
  const several = view.communes.length > 1;
  const groups = several ? byCommune(hamlets, view.communes) : [];
  const option = (h: PlanHamlet) => html`<option value="${h.code}">${h.name}</option>`;
  return html`${styles}
${several ? communeFilter(t, view) : ''}
<div class="grid two">
<section class="card" aria-labelledby="plan-heading">
  <h2 id="plan-heading">${several ? t('planTitleProvince') : t('planTitle')}</h2>
  ${several
    ? groups.map((g) => html`<h3 id="plan-${g.commune.code}-heading">${g.commune.name}</h3>${hamletPlan(g.hamlets, `${t('planOf')} ${g.commune.name}`, `plan-svg-title-${g.commune.code}`)}`)
    : hamletPlan(hamlets, t('planTitle'))}
  <p class="hint">${t('planHint')}</p>
  <ul class="plan-legend">
    <li><span class="swatch ok"></span> ${t('planLegendOk')}</li>
    <li><span class="swatch bad"></span> ${t('planLegendBad')}</li>
    <li><span class="swatch none"></span> ${t('planLegendNone')}</li>
  </ul>
</section>
<section class="card" aria-labelledby="new-box-heading">
  <h2 id="new-box-heading">${t('newBox')}</h2>
  <form id="new-box" class="stack">
    <label for="box-name">${t('boxName')}</label>
    <input id="box-name" name="name" required maxlength="100" aria-describedby="box-name-hint">
    <p class="hint" id="box-name-hint">${t('boxNameHint')}</p>
    <label for="box-hamlet">${t('hamlet')}</label>
    <select id="box-hamlet" name="hamletCode" required>
      ${several ? groups.map((g) => html`<optgroup label="${g.commune.name}">${g.hamlets.map(option)}</optgroup>`) : hamlets.map(option)}
    </select>
    <label for="box-notes">${t('notes')}</label>
    <input id="box-notes" name="notes" maxlength="2000">
    <button type="submit" class="primary">${t('createBox')}</button>
  </form>
  ${status('new-box-status')}
</section>
</div>
${several
    ? html`${status('fleet-status')}${groups.map((g) => html`<h2>${t('boxes')} · ${g.commune.name}</h2>${g.hamlets.map((h) => hamletBoxes(t, h))}`)}`
    : html`<h2>${t('boxes')}</h2>
${status('fleet-status')}
${hamlets.map((h) => hamletBoxes(t, h))}`}`;
}

export function boxMarkup(t: T) {
  return html`${styles}
<p><a href="/fleet">${t('backToFleet')}</a></p>
<section class="card" aria-labelledby="facts-heading">
  <h2 id="facts-heading" data-fill="name"></h2>
  <dl class="facts">
    <dt>${t('hamlet')}</dt><dd data-fill="hamletName"></dd>
    <dt>${t('status')}</dt><dd data-fill="status"></dd>
    <dt>${t('connection')}</dt><dd data-fill="connection"></dd>
    <dt>${t('lastSeen')}</dt><dd data-fill="lastSeen"></dd>
    <dt>${t('clockOffset')}</dt><dd data-fill="clockOffset"></dd>
    <dt>${t('version')}</dt><dd data-fill="version"></dd>
    <dt>${t('hostname')}</dt><dd data-fill="hostname"></dd>
    <dt>${t('offlineReason')}</dt><dd data-fill="offlineReason"></dd>
  </dl>
</section>
${status('box-status')}
<div class="grid two">
<section class="card" aria-labelledby="provision-heading">
  <h2 id="provision-heading">${t('provisionTitle')}</h2>
  <p class="hint">${t('provisionHint')}</p>
  <button type="button" id="new-token" class="primary">${t('newToken')}</button>
  <div id="token" class="token" hidden>
    <label for="token-text">${t('tokenLabel')}</label>
    <input id="token-text" readonly>
    <label for="token-command">${t('commandLabel')}</label>
    <textarea id="token-command" readonly rows="3"></textarea>
    <p class="hint">${t('expiresAt')}: <span id="token-expires"></span></p>
    <div id="token-qr" class="qr"></div>
  </div>
</section>
<section class="card" aria-labelledby="tone-heading">
  <h2 id="tone-heading">${t('testToneTitle')}</h2>
  <form id="test-tone" class="stack">
    <p class="hint">${t('testToneHint')}</p>
    <label for="tone-duration">${t('duration')}</label>
    <input id="tone-duration" name="duration" type="number" min="1" max="30" step="1" value="3" required>
    <label for="tone-volume">${t('volume')}</label>
    <input id="tone-volume" name="volume" type="number" min="0" max="100" step="5" value="50" required>
    <button type="submit" class="primary">${t('playTone')}</button>
  </form>
  <h3 id="speakers-heading">${t('speakers')}</h3>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="speakers-heading"><table id="speakers"><thead><tr><th>${t('zone')}</th><th>${t('driver')}</th><th>${t('target')}</th><th>${t('volume')}</th><th>${t('speakerHealth')}</th><th>${t('speakerReachable')}</th><th>${t('speakerPlaying')}</th><th>${t('speakerLastError')}</th></tr></thead><tbody></tbody></table></div>
  <p class="hint"><a href="/speakers">${t('speakerSettingsLink')}</a></p>
  <h3 id="speaker-history-heading">${t('speakerHistory')}</h3>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="speaker-history-heading"><table id="speaker-history"><thead><tr><th>${t('speakerHistoryAt')}</th><th>${t('zone')}</th><th>${t('speakerHealth')}</th></tr></thead><tbody></tbody></table></div>
</section>
</div>
<section class="card" aria-labelledby="cameras-heading">
  <h2 id="cameras-heading">${t('cameras')}</h2>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="cameras-heading"><table id="cameras"><thead><tr><th>${t('cameraName')}</th><th>${t('cameraId')}</th><th>${t('sourceKind')}</th><th>${t('status')}</th><th></th></tr></thead><tbody></tbody></table></div>
  <h3>${t('addCamera')}</h3>
  <form id="add-camera" class="stack">
    <label for="camera-name">${t('cameraName')}</label>
    <input id="camera-name" name="name" required maxlength="80">
    <label for="camera-id">${t('cameraId')}</label>
    <input id="camera-id" name="id" required pattern="[a-z0-9][a-z0-9\\-]{0,31}" aria-describedby="camera-id-hint">
    <p class="hint" id="camera-id-hint">${t('cameraIdHint')}</p>
    <fieldset>
      <legend>${t('sourceKind')}</legend>
      <div class="choices">
        <label><input type="radio" name="kind" value="rtsp" checked> ${t('sourceRtsp')}</label>
        <label><input type="radio" name="kind" value="onvif"> ${t('sourceOnvif')}</label>
      </div>
    </fieldset>
    <label for="camera-address" id="camera-address-label" data-rtsp="${t('rtspUrl')}" data-onvif="${t('onvifAddress')}">${t('rtspUrl')}</label>
    <input id="camera-address" name="address" required maxlength="2000" inputmode="url">
    <label for="camera-user">${t('cameraUser')}</label>
    <input id="camera-user" name="username" maxlength="128" autocomplete="off">
    <label for="camera-password">${t('cameraPassword')}</label>
    <input id="camera-password" name="password" type="password" maxlength="128" autocomplete="new-password">
    <button type="submit" class="primary">${t('addCamera')}</button>
  </form>
  ${status('camera-status')}
</section>
<section class="card" aria-labelledby="discovered-heading">
  <h2 id="discovered-heading">${t('discoveredTitle')}</h2>
  <form id="scan-form" class="stack">
    <label for="scan-addresses">${t('scanAddresses')}</label>
    <input id="scan-addresses" name="addresses" maxlength="400" inputmode="url" autocomplete="off" placeholder="192.168.1.64" aria-describedby="scan-addresses-hint">
    <p class="hint" id="scan-addresses-hint">${t('scanAddressesHint')}</p>
    <button type="submit" id="scan">${t('scan')}</button>
  </form>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="discovered-heading"><table id="discovered"><thead><tr><th>${t('name')}</th><th>${t('address')}</th><th></th></tr></thead><tbody></tbody></table></div>
  ${status('discovered-status')}
</section>
<section class="card danger-zone" aria-labelledby="danger-heading">
  <h2 id="danger-heading">${t('dangerTitle')}</h2>
  <div class="actions">
    <button type="button" id="rotate">${t('rotate')}</button>
    <button type="button" id="revoke" class="danger">${t('revoke')}</button>
  </div>
</section>`;
}

export function cameraMarkup(t: T, backHref: string) {
  return html`${styles}
<p><a href="${backHref}">${t('backToBox')}</a></p>
${status('camera-page-status')}
<section class="card flood-warning" id="flood-warning" role="region" aria-labelledby="flood-heading" hidden>
  <h2 id="flood-heading">⚠ ${t('floodTitle')}</h2>
  <p id="flood-line"></p>
  <p id="flood-fix"></p>
  <p><a href="#rules-heading">${t('floodRulesLink')}</a></p>
</section>
<div class="grid two">
<section class="card" aria-labelledby="snapshot-heading">
  <h2 id="snapshot-heading">${t('snapshotTitle')}</h2>
  <div class="snapshot" id="snapshot-frame">
    <img id="snapshot" alt="${t('snapshotAlt')}">
    <svg id="overlay" viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true"></svg>
  </div>
  <p id="snapshot-failed" class="notice" hidden>${t('snapshotFailed')}</p>
  <div class="actions"><button type="button" id="snapshot-reload">${t('snapshotReload')}</button></div>
  <h3>${t('liveTitle')}</h3>
  <ul id="live-links" class="actions plain"></ul>
  <p class="hint" id="live-hint">${t('liveHint')}</p>
</section>
<section class="card" aria-labelledby="editor-heading">
  <h2 id="editor-heading">${t('editorTitle')}</h2>
  <form id="shape-form" class="stack">
    <p class="hint">${t('editorHint')}</p>
    <fieldset>
      <legend>${t('shapeKind')}</legend>
      <div class="choices">
        <label><input type="radio" name="shape-kind" value="zones" checked> ${t('kindZone')}</label>
        <label><input type="radio" name="shape-kind" value="masks"> ${t('kindMask')}</label>
      </div>
    </fieldset>
    <label for="shape-name">${t('shapeName')}</label>
    <input id="shape-name" name="name" required maxlength="80">
    <div class="point-entry">
      <div class="stack"><label for="point-x">${t('pointX')}</label><input id="point-x" type="number" min="0" max="1" step="0.01"></div>
      <div class="stack"><label for="point-y">${t('pointY')}</label><input id="point-y" type="number" min="0" max="1" step="0.01"></div>
    </div>
    <div class="actions">
      <button type="button" id="add-point">${t('addPoint')}</button>
      <button type="button" id="undo-point">${t('undoPoint')}</button>
      <button type="button" id="clear-points">${t('clearPoints')}</button>
    </div>
    <p id="points-count" role="status" aria-live="polite"></p>
    <div class="actions">
      <button type="submit" class="primary" id="shape-submit">${t('saveShape')}</button>
      <button type="button" id="shape-cancel" hidden>${t('cancelEdit')}</button>
    </div>
  </form>
  <h3>${t('zonesTitle')}</h3>
  <ul id="zones-list" class="shapes"></ul>
  <h3>${t('masksTitle')}</h3>
  <ul id="masks-list" class="shapes"></ul>
</section>
</div>
<section class="card" aria-labelledby="record-heading">
  <h2 id="record-heading">${t('recordTitle')}</h2>
  <form id="record-form" class="stack">
    <label for="record-mode">${t('recordMode')}</label>
    <select id="record-mode" name="mode">
      <option value="events">${t('recordEvents')}</option>
      <option value="continuous">${t('recordContinuous')}</option>
    </select>
    <label for="record-days">${t('recordDays')}</label>
    <input id="record-days" name="continuousDays" type="number" min="1" max="365" step="1" value="7" required aria-describedby="record-hint">
    <p class="hint" id="record-hint">${t('recordHint')}</p>
    <div class="actions"><button type="submit" class="primary">${t('saveRecord')}</button></div>
  </form>
  ${status('record-status')}
</section>
<section class="card" id="rules" aria-labelledby="rules-heading">
  <h2 id="rules-heading">${t('rulesTitle')}</h2>
  <ul id="rules-list" class="shapes"></ul>
  <form id="rule-form" class="stack">
    <label for="rule-name">${t('ruleName')}</label>
    <input id="rule-name" name="name" required maxlength="80">
    <label for="rule-zone">${t('ruleZone')}</label>
    <select id="rule-zone" name="zone"><option value="">${t('anywhere')}</option></select>
    <fieldset>
      <legend>${t('classes')}</legend>
      <div class="choices">
        ${DEFAULT_OBJECT_CLASSES.map((c) => html`<label><input type="checkbox" name="classes" value="${c}" ${c === 'person' ? 'checked' : ''}> ${t(`class_${c}`)}</label>`)}
      </div>
    </fieldset>
    <label for="rule-windows">${t('windows')}</label>
    <textarea id="rule-windows" name="windows" rows="2" aria-describedby="rule-windows-hint"></textarea>
    <p class="hint" id="rule-windows-hint">${t('windowsHint')}</p>
    <label for="rule-dwell">${t('minDwell')}</label>
    <input id="rule-dwell" name="minDwellSeconds" type="number" min="0" max="3600" step="1" value="0" required>
    <label for="rule-cooldown">${t('cooldown')}</label>
    <input id="rule-cooldown" name="cooldownSeconds" type="number" min="0" max="86400" step="1" value="60" required>
    <label for="rule-severity">${t('ruleSeverity')}</label>
    <select id="rule-severity" name="severity" aria-describedby="rule-severity-hint">
      <option value="alert">${t('severity_alert')}</option>
      <option value="detection">${t('severity_detection')}</option>
    </select>
    <p class="hint" id="rule-severity-hint">${t('ruleSeverityHint')}</p>
    <div class="actions">
      <button type="submit" class="primary" id="rule-submit">${t('addRule')}</button>
      <button type="button" id="rule-cancel" hidden>${t('cancelEdit')}</button>
    </div>
  </form>
  ${status('rule-status')}
</section>`;
}
