import { html } from 'hono/html';
import type { Edge } from '../../fleet/edge-store.js';
import type { RT } from './releases-markup.js';

export interface RolloutFormInput {
  versions: string[];
  /** The communes the person may roll out to (a province admin: every active one). */
  communes: { code: string; name: string }[];
  hamlets: { code: string; name: string; communeCode: string }[];
  edges: Edge[];
}

/**
 * Per commune, a "whole commune" tick and its hamlets' ticks, each commune in a fold of its own so a
 * province of many communes stays short; the legend names the group for a screen reader. Sent as the
 * API's `places` scope: the chosen communes' boxes plus the chosen hamlets' (issue 10).
 */
function placesMarkup(t: RT, input: RolloutFormInput) {
  const several = input.communes.length > 1;
  return html`<fieldset class="stack" id="r-places" aria-describedby="r-places-hint"><legend>${t('choosePlaces')}</legend>
<small class="hint" id="r-places-hint">${t('choosePlacesHint')}</small>
${input.communes.map((commune) => {
    const hamlets = input.hamlets.filter((h) => h.communeCode === commune.code);
    return html`<details${several ? '' : ' open'} data-commune="${commune.code}"><summary>${commune.name}</summary>
<fieldset class="stack"><legend>${commune.name}</legend>
<label class="check"><input type="checkbox" name="communes" value="${commune.code}"> ${t('wholeCommune', { name: commune.name })}</label>
<div class="grid two">${hamlets.map((h) => html`<label class="check"><input type="checkbox" name="hamlets" value="${h.code}"> ${h.name}</label>`)}</div>
</fieldset></details>`;
  })}
</fieldset>`;
}

/** Boxes grouped by commune (the hamlet in each box's label), so a province admin finds them. */
function edgesMarkup(t: RT, input: RolloutFormInput, id: string) {
  const groups = input.communes.map((c) => ({ label: c.name, edges: input.edges.filter((e) => e.communeCode === c.code) })).filter((g) => g.edges.length);
  const option = (e: Edge) => html`<option value="${e.id}">${e.name} · ${e.hamletName}</option>`;
  return html`<label for="${id}">${t('chooseEdges')}</label><select id="${id}" name="edges" multiple size="5">${
    groups.length > 1 ? groups.map((g) => html`<optgroup label="${g.label}">${g.edges.map(option)}</optgroup>`) : input.edges.map(option)
  }</select>`;
}

/** The form that starts a rollout: the version, where (everything, chosen communes and hamlets, chosen boxes), waves, watch time, threshold. */
export function rolloutForm(t: RT, input: RolloutFormInput) {
  return html`<section class="card" aria-labelledby="new-rollout-h"><h2 id="new-rollout-h">${t('newRollout')}</h2>
<form id="new-rollout" class="stack">
  <label for="r-version">${t('version')}</label><select id="r-version" name="version" required>${input.versions.map((v) => html`<option>${v}</option>`)}</select>
  <label for="r-scope">${t('scope')}</label>
  <select id="r-scope" name="scope"><option value="commune">${input.communes.length > 1 ? t('scopeProvince') : t('scopeCommune')}</option><option value="places">${t('scopePlaces')}</option><option value="edges">${t('scopeEdges')}</option></select>
  ${placesMarkup(t, input)}
  ${edgesMarkup(t, input, 'r-edges')}
  <label for="r-waves">${t('waves')}</label><input id="r-waves" name="waves" inputmode="numeric" pattern="[0-9, ]*" placeholder="3" autocomplete="off">
  <label for="r-soak">${t('soak')}</label><input id="r-soak" name="soak" type="number" min="0" max="604800" value="600">
  <label for="r-threshold">${t('threshold')}</label><input id="r-threshold" name="threshold" type="number" min="0" max="100" value="0">
  <div class="actions"><button type="submit" class="primary">${t('startRollout')}</button></div>
</form></section>`;
}
