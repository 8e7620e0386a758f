import { html } from 'hono/html';
import { logLevelNames } from '@smart-commune/shared';
import type { Translate } from '../i18n.js';
import type { maintenanceMessages } from './maintenance-messages.js';

type T = Translate<keyof (typeof maintenanceMessages)['vi']>;
const status = (id: string) => html`<p id="${id}" role="status" aria-live="polite" hidden></p>`;

/** Doctor and logs: for those who may diagnose boxes (fleet.edges.diagnose). */
export function diagnoseMarkup(t: T) {
  return html`<section class="card" aria-labelledby="diagnose-heading">
  <h2 id="diagnose-heading">${t('diagnoseTitle')}</h2>
  <h3 id="doctor-heading">${t('doctorTitle')}</h3>
  <p class="hint">${t('doctorHint')}</p>
  <div class="actions"><button type="button" id="run-doctor" class="primary">${t('runDoctor')}</button></div>
  ${status('doctor-status')}
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="doctor-heading" id="doctor-results" hidden><table id="doctor-checks"><thead><tr>
    <th>${t('checkColumn')}</th><th>${t('resultColumn')}</th><th>${t('detailColumn')}</th>
  </tr></thead><tbody></tbody></table></div>
  <h3 id="logs-heading">${t('logsTitle')}</h3>
  <form id="logs-form" class="stack">
    <p class="hint">${t('logsHint')}</p>
    <label for="log-lines">${t('logLines')}</label>
    <input id="log-lines" name="lines" type="number" min="1" max="5000" step="1" value="200" required>
    <label for="log-level">${t('logLevel')}</label>
    <select id="log-level" name="minLevel">
      ${logLevelNames.map((level) => html`<option value="${level}" ${level === 'info' ? 'selected' : ''}>${t(`level_${level}`)}</option>`)}
    </select>
    <label for="log-from">${t('logFrom')}</label>
    <input id="log-from" name="from" type="datetime-local" step="1">
    <label for="log-to">${t('logTo')}</label>
    <input id="log-to" name="to" type="datetime-local" step="1">
    <div class="actions">
      <button type="submit" class="primary" id="fetch-logs">${t('fetchLogs')}</button>
      <button type="button" id="download-logs" hidden>${t('downloadLogs')}</button>
    </div>
  </form>
  ${status('logs-status')}
  <pre id="log-lines-view" class="log-lines" role="region" tabindex="0" aria-label="${t('logsRegion')}" hidden></pre>
</section>`;
}

/** Restart and reboot, with a required reason and the emergency override: fleet.edges.restart. */
export function powerMarkup(t: T) {
  return html`<section class="card danger-zone" aria-labelledby="power-heading">
  <h2 id="power-heading">${t('powerTitle')}</h2>
  <form id="power-form" class="stack">
    <p class="hint">${t('powerHint')}</p>
    <label for="power-reason">${t('reason')}</label>
    <textarea id="power-reason" name="reason" rows="2" minlength="3" maxlength="500" required aria-describedby="power-reason-hint"></textarea>
    <p class="hint" id="power-reason-hint">${t('reasonHint')}</p>
    <label><input type="checkbox" id="power-force" name="force"> ${t('force')}</label>
    <div class="actions">
      <button type="button" id="restart-daemon">${t('restartDaemon')}</button>
      <button type="button" id="reboot-box" class="danger">${t('rebootBox')}</button>
    </div>
  </form>
  ${status('power-status')}
</section>`;
}
