import { html } from 'hono/html';
import { BOX_RADIUS_M } from '../../hamlets/hamlet-places.js';
import type { Translate } from '../i18n.js';
import type { locationMessages } from './location-messages.js';
import type { PlanHamlet } from './fleet-plan.js';

type T = Translate<keyof (typeof locationMessages)['vi']>;
const status = (id: string) => html`<p id="${id}" role="status" aria-live="polite" hidden></p>`;

/** One hamlet's centre and radius, a file of many, the commune's codes, and the table of what is known. */
export function locationsMarkup(t: T, hamlets: PlanHamlet[]) {
  return html`<section class="card" aria-labelledby="locations-heading">
  <h2 id="locations-heading">${t('locationsTitle')}</h2>
  <p class="hint">${t('locationsHint', { radius: BOX_RADIUS_M })}</p>
  <div class="grid two">
    <form id="location-form" class="stack">
      <label for="location-hamlet">${t('locationHamlet')}</label>
      <select id="location-hamlet" name="code" required>${hamlets.map((h) => html`<option value="${h.code}">${h.name}</option>`)}</select>
      <label for="location-lat">${t('locationLat')}</label>
      <input id="location-lat" name="lat" type="number" step="any" min="-90" max="90" required inputmode="decimal">
      <label for="location-lon">${t('locationLon')}</label>
      <input id="location-lon" name="lon" type="number" step="any" min="-180" max="180" required inputmode="decimal">
      <label for="location-radius">${t('locationRadius')}</label>
      <input id="location-radius" name="radiusM" type="number" min="10" max="50000" step="1" value="800" required>
      <button type="submit" class="primary">${t('saveLocation')}</button>
    </form>
    <div class="stack">
      <form id="location-import" class="stack">
        <h3>${t('importTitle')}</h3>
        <p class="hint" id="location-import-hint">${t('importHint')}</p>
        <label for="location-file">${t('importFile')}</label>
        <input id="location-file" name="file" type="file" accept=".csv,.geojson,.json,text/csv,application/geo+json" required aria-describedby="location-import-hint">
        <button type="submit">${t('importButton')}</button>
      </form>
      <form id="codes-form" class="stack">
        <h3>${t('codesTitle')}</h3>
        <p class="hint" id="codes-hint">${t('codesHint')}</p>
        <label for="codes-commune">${t('communeCode')}</label>
        <input id="codes-commune" name="adminCode" inputmode="numeric" pattern="[0-9]{1,10}" aria-describedby="codes-hint">
        <label for="codes-province">${t('provinceCode')}</label>
        <input id="codes-province" name="provinceAdminCode" inputmode="numeric" pattern="[0-9]{1,10}">
        <button type="submit">${t('saveCodes')}</button>
      </form>
    </div>
  </div>
  ${status('locations-status')}
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="locations-heading"><table id="location-list"><thead><tr>
    <th>${t('hamletColumn')}</th><th>${t('locationLat')}</th><th>${t('locationLon')}</th><th>${t('locationRadius')}</th><th>${t('locationSource')}</th>
  </tr></thead><tbody></tbody></table></div>
</section>`;
}
