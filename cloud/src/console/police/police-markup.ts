import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { z } from '@hono/zod-openapi';
import type { incidentSchema } from '../../incidents/http-schemas.js';
import { REPORT_CATEGORIES, reportStatuses } from '../../reports/report-schemas.js';
import type { reportSchema, reportSummarySchema } from '../../reports/http-schemas.js';
import { reviewStatuses, type ObjectSummary } from '../../incidents/incident-records.js';
import type { FloodedCamera } from '../../vision/camera-floods.js';
import type { Lang, Translate } from '../i18n.js';
import { ASSET_PREFIX } from '../layout.js';
import type { policeMessages } from './police-messages.js';

export type T = Translate<keyof (typeof policeMessages)['vi']>;
type Incident = z.infer<typeof incidentSchema>;
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

/**
 * An item's span: "start → end" (the end's time alone when on the same day), or "start → ongoing"
 * while the box still reports activity.
 */
export function timeSpan(t: T, lang: Lang, i: { startedAt: number; endedAt: number | null; state: 'open' | 'closed' }) {
  if (i.state === 'open') return html`${localTime(i.startedAt, lang)} → <span class="ongoing">${t('ongoing')}</span>`;
  if (i.endedAt === null) return localTime(i.startedAt, lang);
  const day = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short' }).format(new Date(ms));
  const end = day(i.endedAt) === day(i.startedAt)
    ? new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', timeStyle: 'medium', hour12: false }).format(new Date(i.endedAt))
    : localTime(i.endedAt, lang);
  return `${localTime(i.startedAt, lang)} → ${end}`;
}

const LABELS_VI: Record<string, string> = { person: 'người', car: 'ô tô', motorcycle: 'xe máy', bicycle: 'xe đạp', truck: 'xe tải', bus: 'xe buýt', dog: 'chó', footage: 'video trích xuất theo giờ' };
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

/** A queue row: the item with how many objects it took in, of which labels. */
export type QueueItem = Incident & { objectSummary: ObjectSummary | undefined };

export interface IncidentQueueInput {
  items: QueueItem[];
  paging: Paging;
  /** The communes a province-level officer may filter by; empty for a commune's officer (held to theirs) or a single-commune install. */
  communes: Choice[];
  hamlets: Choice[];
  cameras: Choice[];
  labels: Choice[];
  filter: Record<string, string | undefined>;
  /** The severity shown: alerts unless the officer chose detections or all. */
  severity: 'alert' | 'detection' | 'all';
  error: string | null;
  waiting: Waiting;
  /** Cameras in a flood warning now, shown above the queue. */
  floods: FloodedCamera[];
  /** Whether the reader may change camera rules (a link to the camera page) or should ask a technician. */
  canFixCameras: boolean;
}

/** Alerts, detections or all, as links that keep the other filters. */
function severityTabs(t: T, current: IncidentQueueInput['severity'], filter: Record<string, string | undefined>) {
  const link = (severity: IncidentQueueInput['severity']) => {
    const q = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'offset'));
    if (severity === 'alert') q.delete('severity');
    else q.set('severity', severity);
    const query = q.toString();
    return `/police/incidents${query ? `?${query}` : ''}`;
  };
  return html`<nav class="tabs severity-tabs" aria-label="${t('severityTabs')}">${(['alert', 'detection', 'all'] as const).map(
    (s) => html`<a href="${link(s)}" class="tab"${s === current ? html` aria-current="page"` : ''}>${t(`sev_${s}`)}</a>`,
  )}</nav>`;
}

/** Each camera in a flood warning: how busy it is, the box's suggested fix, and where a technician fixes it. */
export function floodWarnings(t: T, lang: Lang, floods: FloodedCamera[], canFixCameras: boolean) {
  if (floods.length === 0) return '';
  return html`<section class="card flood-warning" role="region" aria-labelledby="flood-heading">
    <h2 id="flood-heading">⚠ ${t('floodTitle')}</h2>
    <ul>${floods.map(
      (f) => html`<li data-camera="${f.cameraId}">
        <p><strong>${t('floodLine', { camera: f.cameraName ? `${f.cameraName} (${f.cameraId})` : f.cameraId, place: `${f.hamletName} · ${f.edgeName}`, n: f.flood.itemsLastHour, limit: f.flood.limit })}</strong></p>
        <p>${t('floodFix', { fix: t(`floodFix_${f.flood.suggestion.fix}`), rule: f.flood.suggestion.ruleId, label: labelName(f.flood.suggestion.label, lang), advice: f.flood.suggestion.advice })}</p>
        <p>${canFixCameras ? html`<a href="/fleet/boxes/${f.edgeId}/cameras/${f.cameraId}#rules">${t('floodRulesLink', { camera: f.cameraName ?? f.cameraId })}</a>` : t('floodAskTechnician')}</p>
      </li>`,
    )}</ul>
  </section>`;
}

/** "2 người · 1 xe máy": an item's objects by label. */
const objectsLine = (t: T, lang: Lang, i: QueueItem) => {
  const summary = i.objectSummary;
  if (!summary) return labelName(i.label, lang);
  return `${t('objectCount', { n: summary.count })}: ${summary.labels.map((l) => `${l.count} ${labelName(l.label, lang)}`).join(', ')}`;
};

/** The review items, newest first: alerts by default, with a filter form that works as a plain GET. */
export function incidentQueue(t: T, lang: Lang, input: IncidentQueueInput): HtmlEscapedString | Promise<HtmlEscapedString> {
  const f = input.filter;
  const statuses = reviewStatuses.map((s) => ({ value: s, label: t(`status_${s}`) }));
  return html`${policeStyles}${tabs(t, 'incidents', input.waiting)}
${floodWarnings(t, lang, input.floods, input.canFixCameras)}
${severityTabs(t, input.severity, f)}
<form class="card filters" method="get" action="/police/incidents" aria-label="${t('filters')}">
  ${input.communes.length > 0 ? select('f-commune', t('commune'), 'commune', input.communes, f.commune, t('all')) : ''}
  ${select('f-hamlet', t('hamlet'), 'hamlet', input.hamlets, f.hamlet, t('all'))}
  ${select('f-camera', t('camera'), 'camera', input.cameras, f.camera, t('all'))}
  ${select('f-label', t('label'), 'label', input.labels, f.label, t('all'))}
  ${select('f-status', t('status'), 'status', statuses, f.status, t('all'))}
  <div class="stack"><label for="f-severity">${t('severity')}</label><select id="f-severity" name="severity">
    ${(['alert', 'detection', 'all'] as const).map((v) => html`<option value="${v}"${input.severity === v ? html` selected` : ''}>${t(`sev_${v}`)}</option>`)}
  </select></div>
  <div class="stack"><label for="f-from">${t('from')}</label><input id="f-from" name="from" type="date" value="${f.from ?? ''}"></div>
  <div class="stack"><label for="f-to">${t('to')}</label><input id="f-to" name="to" type="date" value="${f.to ?? ''}"></div>
  <div class="actions"><button type="submit" class="primary">${t('apply')}</button><a class="button" href="/police/incidents">${t('clear')}</a></div>
</form>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${input.items.length === 0 ? html`<p class="hint">${t('none')}</p>` : ''}
<ul class="queue">
  ${input.items.map(
    (i) => html`<li class="card queue-item" data-incident="${i.id}" data-severity="${i.severity}">
    <a href="/police/incidents/${i.id}" class="thumb">${
      i.snapshot?.verified ? html`<img src="${i.snapshot.url}" alt="${t('thumbnail', { id: i.id })}" loading="lazy" width="160" height="90">` : html`<span class="no-thumb">${t('noSnapshot')}</span>`
    }</a>
    <div>
      <p><a href="/police/incidents/${i.id}"><strong>${objectsLine(t, lang, i)}</strong> · ${i.hamletName ?? i.hamletCode ?? '—'} · ${i.cameraId}</a></p>
      <p class="hint">${timeSpan(t, lang, i)} · ${t('score')} ${Math.round(i.score * 100)}%</p>
      ${i.continues ? html`<p class="hint"><a href="/police/incidents/${i.continues}" class="continues">${t('continuesOf', { id: i.continues })}</a></p>` : ''}
      <p>${input.severity === 'all' ? html`<span class="badge sev-${i.severity}">${t(`sev_${i.severity}`)}</span> ` : ''}<span class="badge status-${i.status}">${t(`status_${i.status}`)}</span>${i.flood ? html` <span class="badge flood">${t('floodTitle')}</span>` : ''}${i.legalHold ? html` <span class="badge hold">⚖</span>` : ''}${i.assignee ? html` · ${i.assignee.displayName}` : ''}</p>
    </div>
  </li>`,
  )}
</ul>
${pager(t, input.paging, '/police/incidents')}`;
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
