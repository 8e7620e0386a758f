import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { z } from '@hono/zod-openapi';
import type { incidentDetailSchema, incidentSchema } from '../../incidents/http-schemas.js';
import { REPORT_CATEGORIES, reportStatuses } from '../../reports/report-schemas.js';
import type { reportSchema, reportSummarySchema } from '../../reports/http-schemas.js';
import { reviewStatuses } from '../../incidents/incident-store.js';
import type { Lang, Translate } from '../i18n.js';
import { ASSET_PREFIX } from '../layout.js';
import type { policeMessages } from './police-messages.js';

export type T = Translate<keyof (typeof policeMessages)['vi']>;
type Incident = z.infer<typeof incidentSchema>;
type IncidentDetail = z.infer<typeof incidentDetailSchema>;
type ReportSummary = z.infer<typeof reportSummarySchema>;
type Report = z.infer<typeof reportSchema>;
export interface Choice {
  value: string;
  label: string;
}
export interface Paging {
  total: number;
  limit: number;
  offset: number;
  /** The current query, for the page links. */
  query: URLSearchParams;
}

export const policeStyles = html`<link rel="stylesheet" href="${ASSET_PREFIX}police.css">`;

export function localTime(ms: number | null, lang: Lang): string {
  if (ms === null) return '—';
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'medium', hour12: false }).format(new Date(ms));
}

const LABELS_VI: Record<string, string> = { person: 'người', car: 'ô tô', motorcycle: 'xe máy', bicycle: 'xe đạp', truck: 'xe tải', bus: 'xe buýt', dog: 'chó' };
export const labelName = (label: string, lang: Lang) => (lang === 'vi' ? (LABELS_VI[label] ?? label) : label);

function select(id: string, label: string, name: string, choices: Choice[], current: string | undefined, allLabel: string) {
  return html`<div class="stack"><label for="${id}">${label}</label><select id="${id}" name="${name}">
    <option value="">${allLabel}</option>
    ${choices.map((c) => html`<option value="${c.value}"${c.value === current ? html` selected` : ''}>${c.label}</option>`)}
  </select></div>`;
}

/** How many camera incidents and citizens' reports nobody has looked at yet. */
export interface Waiting {
  incidents: number;
  reports: number;
}

/** The two halves of the queue, each with what waits in it, so neither is missed from the other. */
export function tabs(t: T, current: 'incidents' | 'reports', waiting: Waiting) {
  const tab = (href: string, key: 'tabIncidents' | 'tabReports', on: boolean, count: number) =>
    html`<a href="${href}" class="tab"${on ? html` aria-current="page"` : ''}>${t(key)}${count ? html` <span class="badge new">${t('waitingCount', { n: count })}</span>` : ''}</a>`;
  return html`<nav class="tabs" aria-label="${t('queueTitle')}">${tab('/police/incidents', 'tabIncidents', current === 'incidents', waiting.incidents)}${tab('/police/reports', 'tabReports', current === 'reports', waiting.reports)}</nav>`;
}

function pager(t: T, paging: Paging, path: string) {
  const pages = Math.max(1, Math.ceil(paging.total / paging.limit));
  const page = Math.floor(paging.offset / paging.limit) + 1;
  const link = (offset: number) => {
    const q = new URLSearchParams(paging.query);
    q.set('offset', String(offset));
    return `${path}?${q}`;
  };
  return html`<nav class="pager" aria-label="${t('pageOf', { page, pages })}">
    ${page > 1 ? html`<a rel="prev" href="${link(paging.offset - paging.limit)}">${t('previous')}</a>` : ''}
    <span>${t('pageOf', { page, pages })} · ${t('total', { total: paging.total })}</span>
    ${page < pages ? html`<a rel="next" href="${link(paging.offset + paging.limit)}">${t('next')}</a>` : ''}
  </nav>`;
}

export interface IncidentQueueInput {
  items: Incident[];
  paging: Paging;
  hamlets: Choice[];
  cameras: Choice[];
  labels: Choice[];
  filter: Record<string, string | undefined>;
  error: string | null;
  waiting: Waiting;
}

/** The camera incidents, newest first, with a filter form that works as a plain GET. */
export function incidentQueue(t: T, lang: Lang, input: IncidentQueueInput): HtmlEscapedString | Promise<HtmlEscapedString> {
  const f = input.filter;
  const statuses = reviewStatuses.map((s) => ({ value: s, label: t(`status_${s}`) }));
  return html`${policeStyles}${tabs(t, 'incidents', input.waiting)}
<form class="card filters" method="get" action="/police/incidents" aria-label="${t('filters')}">
  ${select('f-hamlet', t('hamlet'), 'hamlet', input.hamlets, f.hamlet, t('all'))}
  ${select('f-camera', t('camera'), 'camera', input.cameras, f.camera, t('all'))}
  ${select('f-label', t('label'), 'label', input.labels, f.label, t('all'))}
  ${select('f-status', t('status'), 'status', statuses, f.status, t('all'))}
  <div class="stack"><label for="f-from">${t('from')}</label><input id="f-from" name="from" type="date" value="${f.from ?? ''}"></div>
  <div class="stack"><label for="f-to">${t('to')}</label><input id="f-to" name="to" type="date" value="${f.to ?? ''}"></div>
  <div class="actions"><button type="submit" class="primary">${t('apply')}</button><a class="button" href="/police/incidents">${t('clear')}</a></div>
</form>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${input.items.length === 0 ? html`<p class="hint">${t('none')}</p>` : ''}
<ul class="queue">
  ${input.items.map(
    (i) => html`<li class="card queue-item">
    <a href="/police/incidents/${i.id}" class="thumb">${
      i.snapshot?.verified ? html`<img src="${i.snapshot.url}" alt="${t('thumbnail', { id: i.id })}" loading="lazy" width="160" height="90">` : html`<span class="no-thumb">${t('noSnapshot')}</span>`
    }</a>
    <div>
      <p><a href="/police/incidents/${i.id}"><strong>${labelName(i.label, lang)}</strong> · ${i.hamletName ?? i.hamletCode ?? '—'} · ${i.cameraId}</a></p>
      <p class="hint">${localTime(i.detectedAt, lang)} · ${t('score')} ${Math.round(i.score * 100)}%</p>
      <p><span class="badge status-${i.status}">${t(`status_${i.status}`)}</span>${i.legalHold ? html` <span class="badge hold">⚖</span>` : ''}${i.assignee ? html` · ${i.assignee.displayName}` : ''}</p>
    </div>
  </li>`,
  )}
</ul>
${pager(t, input.paging, '/police/incidents')}`;
}

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

/** One incident: clip, snapshot, facts, evidence hashes, and the review controls (which call the API). */
/** `exportFingerprint`: the key that signs exports, for the recipient to pin (sc-cloud verify-export). */
export function incidentPage(t: T, lang: Lang, i: IncidentDetail, assignees: Choice[], exportFingerprint: string) {
  const next = i.status === 'new' ? (['reviewing', 'confirmed', 'dismissed'] as const) : i.status === 'reviewing' ? (['confirmed', 'dismissed'] as const) : (['reviewing'] as const);
  const buttonLabel = { reviewing: i.status === 'new' ? t('toReviewing') : t('reopen'), confirmed: t('toConfirmed'), dismissed: t('toDismissed') };
  return html`${policeStyles}
<p><a href="/police/incidents">← ${t('queueTitle')}</a></p>
<div class="grid two">
  <section class="card" aria-labelledby="clip-heading">
    <h2 id="clip-heading">${t('clip')}</h2>
    ${i.clip?.verified ? html`<video id="clip" controls preload="metadata" playsinline src="${i.clip.url}" poster="${i.snapshot?.verified ? i.snapshot.url : ''}"></video>` : html`<p class="notice">${t('clipPending')}</p>`}
    ${evidence(t, 'clip', i.clip)}
    <h2>${t('snapshot')}</h2>
    ${i.snapshot?.verified ? html`<img id="snapshot" class="snapshot" src="${i.snapshot.url}" alt="${t('snapshot')}">` : html`<p class="notice">${t('noSnapshot')}</p>`}
    ${evidence(t, 'snapshot', i.snapshot)}
  </section>
  <section class="card" aria-labelledby="review-heading">
    <dl class="facts">
      <dt>${t('detectedAt')}</dt><dd>${localTime(i.detectedAt, lang)}</dd>
      <dt>${t('place')}</dt><dd>${i.hamletName ?? i.hamletCode ?? '—'} · ${i.edgeName ?? i.edgeId}</dd>
      <dt>${t('camera')}</dt><dd>${i.cameraId}${i.zoneId ? ` / ${i.zoneId}` : ''}</dd>
      <dt>${t('label')}</dt><dd>${labelName(i.label, lang)}</dd>
      <dt>${t('score')}</dt><dd>${Math.round(i.score * 100)}%</dd>
      <dt>${t('status')}</dt><dd><span class="badge status-${i.status}" id="incident-status">${t(`status_${i.status}`)}</span></dd>
    </dl>
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

export interface ReportQueueInput {
  items: ReportSummary[];
  paging: Paging;
  hamlets: Choice[];
  filter: Record<string, string | undefined>;
  waiting: Waiting;
}

export function reportQueue(t: T, lang: Lang, input: ReportQueueInput) {
  const f = input.filter;
  const statuses = reportStatuses.map((s) => ({ value: s, label: t(`rstatus_${s}`) }));
  const categories = Object.entries(REPORT_CATEGORIES).map(([value, label]) => ({ value, label }));
  return html`${policeStyles}${tabs(t, 'reports', input.waiting)}
<form class="card filters" method="get" action="/police/reports" aria-label="${t('filters')}">
  ${select('f-hamlet', t('hamlet'), 'hamlet', input.hamlets, f.hamlet, t('all'))}
  ${select('f-category', t('category'), 'category', categories, f.category, t('all'))}
  ${select('f-status', t('status'), 'status', statuses, f.status, t('all'))}
  <div class="actions"><button type="submit" class="primary">${t('apply')}</button><a class="button" href="/police/reports">${t('clear')}</a></div>
</form>
${input.items.length === 0 ? html`<p class="hint">${t('none')}</p>` : ''}
<ul class="queue">
  ${input.items.map(
    (r) => html`<li class="card queue-item">
    <div>
      <p><a href="/police/reports/${r.code}"><strong>${r.categoryLabel}</strong> · ${r.hamletName ?? r.hamletCode} · ${r.code}</a></p>
      <p class="hint">${localTime(r.createdAt, lang)}${r.photo ? ' · 📷' : ''}</p>
      <p class="excerpt">${r.description.length > 160 ? `${r.description.slice(0, 160)}…` : r.description}</p>
      <p><span class="badge report-${r.status}">${t(`rstatus_${r.status}`)}</span></p>
    </div>
  </li>`,
  )}
</ul>
${pager(t, input.paging, '/police/reports')}`;
}

export function reportPage(t: T, lang: Lang, r: Report) {
  return html`${policeStyles}
<p><a href="/police/reports">← ${t('tabReports')}</a></p>
<p class="hint">${t('auditedView')}</p>
<div class="grid two">
  <section class="card">
    <dl class="facts">
      <dt>${t('category')}</dt><dd>${r.categoryLabel}</dd>
      <dt>${t('hamlet')}</dt><dd>${r.hamletName ?? r.hamletCode}</dd>
      <dt>${t('createdAt')}</dt><dd>${localTime(r.createdAt, lang)}</dd>
      <dt>${t('phone')}</dt><dd>${r.phone ? html`<a href="tel:${r.phone}">${r.phone}</a>` : '—'}</dd>
      <dt>${t('position')}</dt><dd>${r.lat !== null && r.lon !== null ? `${r.lat}, ${r.lon}` : '—'}</dd>
      <dt>${t('status')}</dt><dd><span class="badge report-${r.status}" id="report-status">${t(`rstatus_${r.status}`)}</span></dd>
    </dl>
    <h2>${t('description')}</h2>
    <p class="note-text" id="report-description">${r.description}</p>
    <h2>${t('photo')}</h2>
    ${r.photo ? html`<img class="snapshot" id="report-photo" src="${r.photo.url}" alt="${t('photo')}">` : html`<p class="hint">${t('noPhoto')}</p>`}
  </section>
  <section class="card">
    <form id="report-form" class="stack" data-code="${r.code}">
      <label for="report-status-select">${t('status')}</label>
      <select id="report-status-select" name="status">${reportStatuses.map((s) => html`<option value="${s}"${s === r.status ? html` selected` : ''}>${t(`rstatus_${s}`)}</option>`)}</select>
      <label for="public-reply">${t('publicReply')}</label>
      <textarea id="public-reply" name="publicReply" maxlength="2000">${r.publicReply ?? ''}</textarea>
      <button type="submit" class="primary">${t('saveReport')}</button>
      <p id="report-save-status" role="status" hidden></p>
    </form>
  </section>
</div>`;
}
