import { html } from 'hono/html';
import type { Edge } from '../../fleet/edge-store.js';
import type { Release } from '../../releases/release-store.js';
import type { KeyRotation } from '../../releases/key-rotation-store.js';
import type { Rollout, RolloutBox } from '../../releases/rollout-types.js';
import { adminStyles, localTime } from '../admin/admin-audit-markup.js';
import type { Lang, Translate } from '../i18n.js';
import type { releasesMessages } from './releases-messages.js';
import { rolloutForm } from './rollout-form-markup.js';

export type RT = Translate<keyof (typeof releasesMessages)['vi']>;

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** "3/10 boxes run the new version · 1 failed · wave 2/2". */
function progress(t: RT, r: Rollout) {
  const failed = r.counts.failed + r.counts.rolled_back;
  return html`<progress max="${r.total}" value="${r.counts.healthy}" aria-label="${t('healthyOf', { healthy: r.counts.healthy, total: r.total })}"></progress>
    ${t('healthyOf', { healthy: r.counts.healthy, total: r.total })}${failed ? html` · <strong class="error-text">${t('failedCount', { failed })}</strong>` : ''} · ${t('waveOf', { wave: r.wave + 1, count: r.waveCount })}`;
}

function actions(t: RT, r: Rollout) {
  return html`${r.state === 'running' ? html`<button type="button" class="rollout-action" data-id="${r.id}" data-verb="pause">${t('pause')}</button>` : ''}
    ${r.state === 'paused' ? html`<button type="button" class="rollout-action primary" data-id="${r.id}" data-verb="resume">${t('resume')}</button>` : ''}
    ${r.state === 'running' || r.state === 'paused' ? html`<button type="button" class="rollout-action danger" data-id="${r.id}" data-verb="cancel">${t('cancel')}</button>` : ''}`;
}

export interface ReleasesPageInput {
  releases: Release[];
  rollouts: Rollout[];
  edges: Edge[];
  /** The communes the person sees (a province admin: every active one), for the rollout form. */
  communes: { code: string; name: string }[];
  hamlets: { code: string; name: string; communeCode: string }[];
  /** Release key rotations sent from the cloud, with each box's answer. */
  rotations: KeyRotation[];
  canManage: boolean;
}

/** Boxes with the version each runs, releases (upload, delete), rollouts (progress, pause/resume/cancel) and a form to start one. */
export function releasesPage(t: RT, lang: Lang, input: ReleasesPageInput) {
  const versions = [...new Set(input.releases.filter((r) => r.product === 'edge').map((r) => r.version))];
  return html`${adminStyles}
<p class="hint">${t('releasesIntro')}</p>
<p id="releases-status" role="status" aria-live="polite" hidden></p>
<section class="card" aria-labelledby="rollouts-h"><h2 id="rollouts-h">${t('rolloutsList')}</h2>
${input.rollouts.length === 0
    ? html`<p class="hint">${t('noRollouts')}</p>`
    : html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="rollouts-h"><table class="rollouts">
  <thead><tr><th scope="col">${t('version')}</th><th scope="col">${t('state')}</th><th scope="col">${t('progress')}</th><th scope="col">${t('createdAt')}</th><th scope="col"></th></tr></thead>
  <tbody>${input.rollouts.map(
    (r) => html`<tr data-id="${r.id}" data-state="${r.state}">
    <td>${r.version}</td>
    <td>${t(`rolloutState_${r.state}`)}${r.pausedReason ? html`<br><small class="reason">${t('pausedBecause', { reason: r.pausedReason })}</small>` : ''}</td>
    <td>${progress(t, r)}</td>
    <td><time datetime="${new Date(r.createdAt).toISOString()}">${localTime(r.createdAt, lang)}</time> · ${r.createdBy}</td>
    <td><a href="/fleet/rollouts/${r.id}">${t('details')}</a> ${input.canManage ? actions(t, r) : ''}</td>
  </tr>`,
  )}</tbody></table></div>`}
</section>
${input.canManage && versions.length ? rolloutForm(t, { versions, communes: input.communes, hamlets: input.hamlets, edges: input.edges }) : ''}
<section class="card" aria-labelledby="boxes-h"><h2 id="boxes-h">${t('boxesTitle')}</h2>
<div class="table-wrap" role="region" tabindex="0" aria-labelledby="boxes-h"><table class="box-versions">
  <thead><tr><th scope="col">${t('box')}</th><th scope="col">${t('hamlet')}</th><th scope="col">${t('version')}</th><th scope="col">${t('online')}</th></tr></thead>
  <tbody>${input.edges.map(
    (e) => html`<tr data-edge="${e.id}"><td>${e.name}</td><td>${e.hamletName}</td><td class="version">${e.telemetry?.softwareVersion ?? t('unknownVersion')}</td><td>${e.online ? t('yes') : t('no')}</td></tr>`,
  )}</tbody></table></div>
</section>
<section class="card" aria-labelledby="releases-h"><h2 id="releases-h">${t('releasesList')}</h2>
${input.releases.length === 0
    ? html`<p class="hint">${t('noReleases')}</p>`
    : html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="releases-h"><table class="releases">
  <thead><tr><th scope="col">${t('version')}</th><th scope="col">${t('arch')}</th><th scope="col">${t('size')}</th><th scope="col">${t('files')}</th><th scope="col">${t('uploadedAt')}</th><th scope="col"></th></tr></thead>
  <tbody>${input.releases.map(
    (r) => html`<tr><td>${r.version}${r.product === 'cloud' ? ' (cloud)' : ''}</td><td>${r.arch}</td><td>${mib(r.bytes)}</td><td>${r.files}</td>
    <td><time datetime="${new Date(r.uploadedAt).toISOString()}">${localTime(r.uploadedAt, lang)}</time> · ${r.uploadedBy}</td>
    <td>${input.canManage ? html`<button type="button" class="release-delete danger" data-version="${r.version}" data-arch="${r.arch}">${t('deleteRelease')}</button>` : ''}</td></tr>`,
  )}</tbody></table></div>`}
${input.canManage
    ? html`<form id="upload-release" class="stack"><label for="u-file">${t('uploadFile')}</label><input id="u-file" name="file" type="file" accept=".tar,.gz,.tgz,application/x-tar,application/gzip" required>
  <div class="actions"><button type="submit" class="primary">${t('uploadButton')}</button></div></form>`
    : ''}
</section>
${keysSection(t, lang, input)}`;
}

/** Key rotations sent from the cloud: each with every box's answer; an admin sends a new one. */
function keysSection(t: RT, lang: Lang, input: ReleasesPageInput) {
  const counts = (r: KeyRotation) => t('keyCounts', { applied: r.counts.applied, pending: r.counts.pending, refused: r.counts.refused });
  return html`<section class="card" aria-labelledby="keys-h"><h2 id="keys-h">${t('keysTitle')}</h2>
<p class="hint">${t('keysIntro')}</p>
${input.rotations.length === 0
    ? html`<p class="hint">${t('noRotations')}</p>`
    : html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="keys-h"><table class="key-rotations">
  <thead><tr><th scope="col">${t('sequence')}</th><th scope="col">${t('keyIds')}</th><th scope="col">${t('sentAt')}</th><th scope="col">${t('perBox')}</th></tr></thead>
  <tbody>${input.rotations.map(
    (r) => html`<tr data-id="${r.id}"><td>${r.sequence}</td><td><code>${r.keyIds.join(', ')}</code></td>
    <td><time datetime="${new Date(r.createdAt).toISOString()}">${localTime(r.createdAt, lang)}</time> · ${r.createdBy}</td>
    <td><details${r.counts.refused ? ' open' : ''}><summary>${counts(r)}</summary><ul class="key-deliveries">${r.deliveries.map(
      (d) => html`<li data-edge="${d.edgeId}" data-state="${d.state}">${d.edgeName} · ${d.hamletName}: <strong${d.state === 'refused' ? html` class="error-text"` : ''}>${t(`keyState_${d.state}`)}</strong>${d.code ? html` <code>${d.code}</code>` : ''}${d.detail && d.state === 'refused' ? html`<br><small class="reason">${d.detail}</small>` : ''}</li>`,
    )}</ul></details></td></tr>`,
  )}</tbody></table></div>`}
${input.canManage
    ? html`<form id="rotate-keys" class="stack"><label for="k-file">${t('rotationFile')}</label><input id="k-file" name="file" type="file" accept=".json,application/json" required>
  <label for="k-target">${t('rotationTarget')}</label><select id="k-target" name="target"><option value="all">${t('rotationAll')}</option><option value="edges">${t('rotationChosen')}</option>${input.rollouts.length ? html`<option value="rollout">${t('rotationRollout')}</option>` : ''}</select>
  <label for="k-edges">${t('chooseEdges')}</label><select id="k-edges" name="edges" multiple size="5">${input.edges.map((e) => html`<option value="${e.id}">${e.name} · ${e.hamletName}</option>`)}</select>
  ${input.rollouts.length
    ? html`<label for="k-rollout">${t('chooseRollout')}</label><select id="k-rollout" name="rollout">${input.rollouts.map(
        (r) => html`<option value="${r.id}">${t('rolloutOption', { version: r.version, date: localTime(r.createdAt, lang), state: t(`rolloutState_${r.state}`), total: r.total })}</option>`,
      )}</select>`
    : ''}
  <div class="actions"><button type="submit" class="primary">${t('sendRotation')}</button></div></form>`
    : ''}
</section>`;
}

/** One rollout: every box with its version, its step, and any failure with its reason and the failed version's last log lines. */
export function rolloutPage(t: RT, lang: Lang, r: Rollout, boxes: RolloutBox[], canManage: boolean) {
  return html`${adminStyles}
<p><a href="/fleet/releases">${t('backToReleases')}</a></p>
<p id="releases-status" role="status" aria-live="polite" hidden></p>
<p>${t(`rolloutState_${r.state}`)} · ${progress(t, r)}</p>
${r.pausedReason ? html`<p class="error" role="alert">${t('pausedBecause', { reason: r.pausedReason })}</p>` : ''}
${canManage ? html`<p class="actions">${actions(t, r)}</p>` : ''}
<div class="table-wrap" role="region" tabindex="0" aria-label="${t('rolloutTitle', { version: r.version })}"><table class="rollout-boxes">
  <thead><tr><th scope="col">${t('box')}</th><th scope="col">${t('hamlet')}</th><th scope="col">${t('wave')}</th><th scope="col">${t('fromVersion')}</th><th scope="col">${t('currentVersion')}</th><th scope="col">${t('step')}</th><th scope="col">${t('reason')}</th></tr></thead>
  <tbody>${boxes.map(
    (b) => html`<tr data-edge="${b.edgeId}" data-state="${b.state}">
    <td>${b.edgeName}${b.online ? '' : html` <small>(${t('no')})</small>`}<br><small><time datetime="${new Date(b.updatedAt).toISOString()}">${localTime(b.updatedAt, lang)}</time></small></td><td>${b.hamletName}</td><td>${b.wave + 1}</td>
    <td>${b.fromVersion ?? t('unknownVersion')}</td><td>${b.currentVersion ?? t('unknownVersion')}</td>
    <td>${t(`boxState_${b.state}`)}${b.state === 'downloading' && b.bytesTotal ? html` <progress max="${b.bytesTotal}" value="${b.bytesDone ?? 0}"></progress> ${Math.round(((b.bytesDone ?? 0) / b.bytesTotal) * 100)} %` : ''}</td>
    <td>${b.reason ? html`<span class="reason">${b.reason}</span>` : ''}${b.logLines.length
      ? html`<details><summary>${t('logLines')}</summary><pre>${b.logLines.join('\n')}</pre></details>`
      : ''}</td>
  </tr>`,
  )}</tbody></table></div>`;
}
