import { html } from 'hono/html';
import type { z } from '@hono/zod-openapi';
import type { incidentDetailSchema } from '../../incidents/http-schemas.js';
import type { Lang } from '../i18n.js';
import { labelName, localTime, policeStyles, timeSpan, type Choice, type T } from './police-markup.js';

type IncidentDetail = z.infer<typeof incidentDetailSchema>;
type Part = IncidentDetail['parts'][number];

function evidence(t: T, kind: 'snapshot' | 'clip', media: { sha256: string; verified: boolean; url: string } | null) {
  if (!media) return '';
  return html`<div class="evidence" data-kind="${kind}">
    <p><code class="hash">${media.sha256}</code></p>
    <p class="${media.verified ? 'success' : 'notice'}">${media.verified ? t('verified') : t('unverified')}</p>
    ${media.verified ? html`<button type="button" class="verify" data-url="${media.url}" data-sha256="${media.sha256}" hidden>${t('checkInBrowser')}</button><p id="verify-${kind}" role="status" hidden></p>` : ''}
  </div>`;
}

const TIMES = new Set(['startedAt', 'detectedAt', 'endedAt']);

/** What a box reported instead of the facts on record: each differing fact with the value it claimed. */
function versions(t: T, lang: Lang, list: IncidentDetail['versions']) {
  if (list.length === 0) return '';
  const shown = (facts: IncidentDetail['versions'][number]['facts'], key: string) => {
    const value = (facts as Record<string, unknown>)[key];
    if (TIMES.has(key) && typeof value === 'number') return localTime(value, lang);
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  return html`<h2>${t('versions')}</h2>
    <p class="notice">${t('versionsHint')}</p>
    <ul class="notes" id="versions">${list.map(
      (v) => html`<li><p class="hint">${t('versionLine', { n: v.version, at: localTime(v.receivedAt, lang) })}</p><p>${v.changed.map((key) => `${key}: ${shown(v.facts, key)}`).join(' · ')}</p></li>`,
    )}</ul>`;
}

/**
 * The item's clip parts, in order. Played one after the other they are the whole activity (the page
 * script moves on to the next part when one ends); a button plays a part from its start. The script
 * draws this list again when an ongoing item gets new parts, so its markup is mirrored there.
 */
export function partList(t: T, lang: Lang, parts: readonly Part[]) {
  const total = parts.length;
  return html`<ol class="clip-parts" id="clip-parts">${parts.map(
    (p) => html`<li>${
      p.verified
        ? html`<button type="button" class="play-part" data-part="${p.index}">${t('partButton', { n: p.index + 1, total, start: localTime(p.startMs, lang), seconds: Math.round(p.durationMs / 1000) })}</button>`
        : html`<span class="notice">${t('clipPartPending', { n: p.index + 1, total })}</span>`
    } <code class="hash">${p.sha256.slice(0, 16)}…</code></li>`,
  )}</ol>`;
}

/** Every object of the item: its best picture, label, zones, rules and when it was first and last seen. */
function objectList(t: T, lang: Lang, objects: IncidentDetail['objects']) {
  return html`<ul class="objects" id="objects">${objects.map((o) => {
    const name = t('objectName', { label: labelName(o.label, lang), track: o.trackId });
    return html`<li class="object">
      ${o.snapshot?.verified ? html`<img src="${o.snapshot.url}" alt="${t('objectPicture', { label: labelName(o.label, lang), track: o.trackId })}" loading="lazy" width="160" height="90">` : html`<span class="no-thumb">${t('noSnapshot')}</span>`}
      <div>
        <p><strong>${name}</strong> · ${Math.round(o.score * 100)}%</p>
        <dl class="facts small">
          <dt>${t('zones')}</dt><dd>${o.zoneIds.length ? o.zoneIds.join(', ') : t('wholePicture')}</dd>
          <dt>${t('rules')}</dt><dd>${o.ruleIds.join(', ') || '—'}</dd>
          <dt>${t('firstSeen')}</dt><dd>${localTime(o.firstSeenAt, lang)}</dd>
          <dt>${t('lastSeen')}</dt><dd>${localTime(o.lastSeenAt, lang)}</dd>
        </dl>
      </div>
    </li>`;
  })}</ul>`;
}

/** Who entered and left when; each line a button that moves the clip to that moment (the page script). */
function timeline(t: T, lang: Lang, entries: IncidentDetail['timeline']) {
  if (entries.length === 0) return html`<p class="hint">${t('noTimeline')}</p>`;
  return html`<p class="hint">${t('timelineHint')}</p>
    <ol class="timeline" id="timeline">${entries.map(
      (e) => html`<li><button type="button" class="seek" data-at="${e.at}">${localTime(e.at, lang)} · ${t('objectName', { label: labelName(e.label, lang), track: e.trackId })} ${t(`tl_${e.kind}`)}${
        e.zoneId ? ` · ${t('inZone', { zone: e.zoneId })}` : ''
      }</button></li>`,
    )}</ol>`;
}

/** The items before and after this one when one activity outlasted an item's maximum length. */
function continuation(t: T, i: IncidentDetail) {
  if (!i.continues && !i.continuedBy) return '';
  return html`<nav class="continuation" aria-label="${t('continuation')}">
    ${i.continues ? html`<a rel="prev" id="previous-item" href="/police/incidents/${i.continues}">${t('previousItem')}</a>` : ''}
    ${i.continuedBy ? html`<a rel="next" id="next-item" href="/police/incidents/${i.continuedBy}">${t('nextItem')}</a>` : ''}
  </nav>`;
}

/** The clip's parts: the item's own, or the one clip an item from an older box has. */
export function playableParts(i: IncidentDetail): Part[] {
  if (i.parts.length > 0) return i.parts;
  if (!i.clip) return [];
  return [{ ...i.clip, index: 0, startMs: i.endedAt === null ? i.detectedAt : Math.max(0, i.endedAt - i.clip.durationMs) }];
}

/** One item: its clip in parts, every object, the timeline, the facts, evidence hashes and the review controls. */
/** `exportFingerprint`: the key that signs exports, for the recipient to pin (sc-cloud verify-export). */
export function incidentPage(t: T, lang: Lang, i: IncidentDetail, assignees: Choice[], exportFingerprint: string) {
  const next = i.status === 'new' ? (['reviewing', 'confirmed', 'dismissed'] as const) : i.status === 'reviewing' ? (['confirmed', 'dismissed'] as const) : (['reviewing'] as const);
  const buttonLabel = { reviewing: i.status === 'new' ? t('toReviewing') : t('reopen'), confirmed: t('toConfirmed'), dismissed: t('toDismissed') };
  const parts = playableParts(i);
  const first = parts.find((p) => p.verified);
  return html`${policeStyles}
<p><a href="/police/incidents">← ${t('queueTitle')}</a></p>
${continuation(t, i)}
${i.flood ? html`<p class="notice flood-item">${t('floodItem')}</p>` : ''}
<div class="grid two">
  <section class="card" aria-labelledby="clip-heading">
    <h2 id="clip-heading">${t('clip')}</h2>
    <p class="notice" id="item-open"${i.state === 'open' ? '' : html` hidden`}>${t('itemOpen')}</p>
    <p class="notice" id="item-updated" hidden>${t('itemUpdated')} <a href="">${t('reloadPage')}</a></p>
    ${first
      ? html`<video id="clip" controls preload="metadata" playsinline src="${first.url}" data-part="${first.index}" poster="${i.snapshot?.verified ? i.snapshot.url : ''}"></video>`
      : html`<video id="clip" controls preload="metadata" playsinline hidden></video><p class="notice" id="clip-pending">${t('clipPending')}</p>`}
    ${evidence(t, 'clip', i.clip)}
    <h3>${t('clipParts')}</h3>
    <p class="hint">${t('clipPartsHint')}</p>
    ${partList(t, lang, parts)}
    <h2>${t('timeline')}</h2>
    ${timeline(t, lang, i.timeline)}
    <h2>${t('snapshot')}</h2>
    ${i.snapshot?.verified ? html`<img id="snapshot" class="snapshot" src="${i.snapshot.url}" alt="${t('snapshot')}">` : html`<p class="notice">${t('noSnapshot')}</p>`}
    ${evidence(t, 'snapshot', i.snapshot)}
  </section>
  <section class="card" aria-labelledby="review-heading">
    <dl class="facts">
      <dt>${t('severity')}</dt><dd><span class="badge sev-${i.severity}">${t(`sev_${i.severity}`)}</span></dd>
      <dt>${t('timeSpan')}</dt><dd>${timeSpan(t, lang, i)}</dd>
      <dt>${t('detectedAt')}</dt><dd>${localTime(i.detectedAt, lang)}</dd>
      <dt>${t('place')}</dt><dd>${i.hamletName ?? i.hamletCode ?? '—'} · ${i.edgeName ?? i.edgeId}</dd>
      <dt>${t('camera')}</dt><dd>${i.cameraId}${i.zoneId ? ` / ${i.zoneId}` : ''}</dd>
      <dt>${t('label')}</dt><dd>${labelName(i.label, lang)}</dd>
      <dt>${t('score')}</dt><dd>${Math.round(i.score * 100)}%</dd>
      <dt>${t('status')}</dt><dd><span class="badge status-${i.status}" id="incident-status">${t(`status_${i.status}`)}</span></dd>
    </dl>
    <h2>${t('objects')}</h2>
    ${objectList(t, lang, i.objects)}
    ${versions(t, lang, i.versions)}
    <h2 id="review-heading">${t('review')}</h2>
    <div class="actions">${next.map((s) => html`<button type="button" class="status-action${s === 'confirmed' ? ' primary' : ''}" data-status="${s}">${buttonLabel[s]}</button>`)}</div>
    <p><label class="check"><input type="checkbox" id="legal-hold"${i.legalHold ? html` checked` : ''}> ${t('legalHold')}</label></p>
    <form id="assignee-form" class="stack">
      <label for="assignee">${t('assignee')}</label>
      <select id="assignee" name="assignee"><option value="">${t('nobody')}</option>${assignees.map((a) => html`<option value="${a.value}"${a.value === i.assignee?.id ? html` selected` : ''}>${a.label}</option>`)}</select>
      <button type="submit">${t('saveAssignee')}</button>
    </form>
    <p id="review-status" role="status" hidden></p>
    <h2>${t('notes')}</h2>
    ${i.notes.length === 0 ? html`<p class="hint">${t('noNotes')}</p>` : ''}
    <ul class="notes">${i.notes.map((n) => html`<li><p class="hint">${n.authorName} · ${localTime(n.createdAt, lang)}</p><p class="note-text">${n.text}</p></li>`)}</ul>
    <form id="note-form" class="stack">
      <label for="note">${t('addNote')}</label>
      <textarea id="note" name="note" required maxlength="4000"></textarea>
      <button type="submit">${t('addNote')}</button>
    </form>
    <h2>${t('export')}</h2>
    <p class="hint">${t('exportHint')}</p>
    <p><a class="button primary" id="export" href="/api/v1/incidents/${i.id}/export.zip" download="incident-${i.id}.zip">${t('export')}</a></p>
    <p class="hint">${t('exportVerify')} <code class="hash" id="export-fingerprint">${exportFingerprint}</code></p>
    <p><code class="hash">sc-cloud verify-export incident-${i.id}.zip --fingerprint ${exportFingerprint}</code></p>
  </section>
</div>`;
}
