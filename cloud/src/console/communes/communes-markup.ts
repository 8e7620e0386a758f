import { html } from 'hono/html';
import type { Commune, CommuneHamlet } from '../../communes/commune-store.js';
import type { Translate } from '../i18n.js';
import { adminStyles } from '../admin/admin-audit-markup.js';
import type { communesMessages } from './communes-messages.js';

type T = Translate<keyof (typeof communesMessages)['vi']>;
const API = '/api/v1/communes';
const status = html`<p id="communes-status" role="alert" hidden></p>`;

/**
 * A change made through the API by admin-communes.js: the form's fields as JSON (an empty field
 * left out, or null with data-empty="null"), then the page again with `done` confirmed.
 */
const apiForm = (method: string, path: string, done: string, id: string) => html`<form id="${id}" class="stack api-form" data-method="${method}" data-path="${path}" data-done="${done}">`;

function stateBadge(t: T, retiredAt: number | null) {
  return html`<span class="badge ${retiredAt === null ? 'completed' : 'failed'}">${retiredAt === null ? t('inService') : t('retired')}</span>`;
}

function codeFields(t: T, c: Partial<Commune>, prefix: string) {
  return html`<label for="${prefix}-admin-code">${t('adminCode')}</label>
    <input id="${prefix}-admin-code" name="adminCode" data-empty="null" inputmode="numeric" pattern="[0-9]{1,10}" maxlength="10" value="${c.adminCode ?? ''}">
    <label for="${prefix}-province-code">${t('provinceAdminCode')}</label>
    <input id="${prefix}-province-code" name="provinceAdminCode" data-empty="null" inputmode="numeric" pattern="[0-9]{1,10}" maxlength="10" value="${c.provinceAdminCode ?? ''}">`;
}

/** The province's communes with their counts, the form to add one, and the CSV import. */
export function communesPage(t: T, input: { communes: Commune[]; done: string | null; province: string }) {
  return html`${adminStyles}${input.done ? html`<p class="success" role="status">${input.done}</p>` : ''}
<p>${t('communesIntro')}</p>
${status}
<section aria-labelledby="communes-heading">
  <h2 id="communes-heading">${t('communeCount', { count: input.communes.length })}</h2>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="communes-heading"><table id="communes-list">
    <thead><tr><th>${t('name')}</th><th>${t('code')}</th><th>${t('adminCode')}</th><th>${t('hamlets')}</th><th>${t('boxes')}</th><th>${t('online')}</th><th>${t('state')}</th></tr></thead>
    <tbody>${input.communes.map(
      (c) => html`<tr data-code="${c.code}">
      <td><a href="/admin/communes/${c.code}" aria-label="${t('open', { name: c.name })}">${c.name}</a></td>
      <td><code>${c.code}</code></td><td>${c.adminCode ?? '—'}</td><td>${c.hamlets}</td><td>${c.edges}</td><td>${c.online}</td><td>${stateBadge(t, c.retiredAt)}</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>
<div class="grid two">
  <section class="card" aria-labelledby="new-commune-heading">
    <h2 id="new-commune-heading">${t('newCommune')}</h2>
    ${apiForm('POST', API, 'created', 'new-commune')}
      <label for="new-name">${t('name')}</label>
      <input id="new-name" name="name" required maxlength="100" autocomplete="off">
      <label for="new-code">${t('code')}</label>
      <input id="new-code" name="code" pattern="[a-z0-9][a-z0-9\\-]{0,31}" maxlength="32" autocapitalize="none" spellcheck="false" aria-describedby="new-code-hint">
      <small id="new-code-hint" class="hint">${t('codeHint')}</small>
      <label for="new-province">${t('province')}</label>
      <input id="new-province" name="province" required maxlength="100" value="${input.province}">
      ${codeFields(t, {}, 'new')}
      <button type="submit" class="primary">${t('create')}</button>
    </form>
  </section>
  <section class="card" aria-labelledby="import-heading">
    <h2 id="import-heading">${t('importTitle')}</h2>
    <form id="communes-import" class="stack">
      <p class="hint" id="import-hint">${t('importHint')}</p>
      <label for="import-file">${t('importFile')}</label>
      <input id="import-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="import-hint">
      <button type="submit">${t('importButton')}</button>
    </form>
    <div class="table-wrap" role="region" tabindex="0" aria-label="${t('importTitle')}" id="import-problems-wrap" hidden><table id="import-problems">
      <thead><tr><th>${t('line')}</th><th>${t('column')}</th><th>${t('problem')}</th></tr></thead><tbody></tbody>
    </table></div>
  </section>
</div>`;
}

/** One commune: its details and state, its hamlets in order with rename, retire and move up. */
export function communePage(t: T, input: { commune: Commune; hamlets: CommuneHamlet[]; done: string | null }) {
  const c = input.commune;
  const path = `${API}/${c.code}`;
  const order = input.hamlets.map((h) => h.code);
  const movedUp = (i: number) => [...order.slice(0, i - 1), order[i]!, order[i - 1]!, ...order.slice(i + 1)];
  return html`${adminStyles}<p><a href="/admin/communes">${t('back')}</a></p>
${input.done ? html`<p class="success" role="status">${input.done}</p>` : ''}
${status}
<div class="grid two">
  <section class="card" aria-labelledby="details-heading">
    <h2 id="details-heading">${t('details')} ${stateBadge(t, c.retiredAt)}</h2>
    <p><code>${c.code}</code> · ${t('boxes')}: ${c.edges} · ${t('online')}: ${c.online}</p>
    ${apiForm('PATCH', path, 'saved', 'commune-details')}
      <label for="commune-name">${t('name')}</label>
      <input id="commune-name" name="name" required maxlength="100" value="${c.name}">
      <label for="commune-province">${t('province')}</label>
      <input id="commune-province" name="province" required maxlength="100" value="${c.province}">
      ${codeFields(t, c, 'commune')}
      <button type="submit" class="primary">${t('save')}</button>
    </form>
    ${apiForm('PATCH', path, c.retiredAt === null ? 'retired' : 'restored', 'commune-state')}
      <input type="hidden" name="retired" data-type="boolean" value="${c.retiredAt === null ? 'true' : 'false'}">
      <small class="hint" id="retire-hint">${t('retireHint')}</small>
      <button type="submit" class="${c.retiredAt === null ? 'danger' : ''}" aria-describedby="retire-hint">${c.retiredAt === null ? t('retire') : t('restore')}</button>
    </form>
  </section>
  <section class="card" aria-labelledby="new-hamlet-heading">
    <h2 id="new-hamlet-heading">${t('newHamlet')}</h2>
    ${apiForm('POST', `${path}/hamlets`, 'hamlet', 'new-hamlet')}
      <label for="hamlet-name">${t('hamletName')}</label>
      <input id="hamlet-name" name="name" required maxlength="100" autocomplete="off">
      <label for="hamlet-code">${t('hamletCode')}</label>
      <input id="hamlet-code" name="code" pattern="[a-z0-9][a-z0-9\\-]{0,31}" maxlength="32" autocapitalize="none" spellcheck="false" aria-describedby="hamlet-code-hint">
      <small id="hamlet-code-hint" class="hint">${t('hamletCodeHint', { example: `${c.code}-ap-moi` })}</small>
      <button type="submit" class="primary">${t('newHamlet')}</button>
    </form>
  </section>
</div>
<section aria-labelledby="hamlets-heading">
  <h2 id="hamlets-heading">${t('hamletsTitle')}</h2>
  ${input.hamlets.length === 0 ? html`<p>${t('none')}</p>` : ''}
  <ol class="hamlets">${input.hamlets.map(
    (h, i) => html`<li class="card" data-code="${h.code}">
    <h3>${h.name} ${stateBadge(t, h.retiredAt)}</h3>
    <p><code>${h.code}</code> · ${t('boxes')}: ${h.edges} · ${t('online')}: ${h.online}</p>
    ${apiForm('PATCH', `${path}/hamlets/${h.code}`, 'saved', `rename-${h.code}`)}
      <label for="rename-${h.code}-name">${t('renameOf', { name: h.name })}</label>
      <input id="rename-${h.code}-name" name="name" required maxlength="100" value="${h.name}">
      <button type="submit">${t('rename')}</button>
    </form>
    <div class="actions">
      ${apiForm('PATCH', `${path}/hamlets/${h.code}`, h.retiredAt === null ? 'retired' : 'restored', `state-${h.code}`)}
        <input type="hidden" name="retired" data-type="boolean" value="${h.retiredAt === null ? 'true' : 'false'}">
        <button type="submit" class="${h.retiredAt === null ? 'danger' : ''}">${h.retiredAt === null ? t('retireHamlet') : t('restoreHamlet')}</button>
      </form>
      ${
        i > 0
          ? html`${apiForm('PUT', `${path}/hamlets/order`, 'order', `up-${h.code}`)}
        ${movedUp(i).map((code) => html`<input type="hidden" name="codes" data-type="list" value="${code}">`)}
        <button type="submit" aria-label="${t('moveUpOf', { name: h.name })}">${t('moveUp')}</button>
      </form>`
          : ''
      }
    </div>
  </li>`,
  )}</ol>
</section>`;
}
