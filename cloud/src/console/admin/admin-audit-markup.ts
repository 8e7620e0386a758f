import { html } from 'hono/html';
import type { AuditEntry } from '../../audit/audit-log.js';
import type { Lang, Translate } from '../i18n.js';
import { ASSET_PREFIX } from '../layout.js';
import { actionLabel, type adminMessages } from './admin-messages.js';

export type T = Translate<keyof (typeof adminMessages)['vi']>;

export const adminStyles = html`<link rel="stylesheet" href="${ASSET_PREFIX}admin.css">`;

export interface AuditPageInput {
  items: AuditEntry[];
  total: number;
  limit: number;
  offset: number;
  /** The filters as typed (only those filled in): the form's values, the page links and the CSV link. */
  filter: Record<string, string>;
  /** Actions found in the log, for the action list. */
  actions: string[];
  /** Usernames, for the actor suggestions. */
  actors: string[];
  /** The communes a province-level admin filters by; empty for a commune's admin (held to theirs) or a single-commune install. */
  communes: { value: string; label: string }[];
  error: string | null;
}

export function localTime(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'medium', hour12: false }).format(new Date(ms));
}

const query = (filter: Record<string, string>, extra: Record<string, string> = {}) => new URLSearchParams({ ...filter, ...extra }).toString();

function pager(t: T, input: AuditPageInput) {
  const pages = Math.max(1, Math.ceil(input.total / input.limit));
  const page = Math.floor(input.offset / input.limit) + 1;
  const link = (offset: number) => `/admin/audit?${query(input.filter, { offset: String(offset) })}`;
  return html`<nav class="pager" aria-label="${t('pageOf', { page, pages })}">
    ${page > 1 ? html`<a rel="prev" href="${link(input.offset - input.limit)}">${t('previous')}</a>` : ''}
    <span>${t('pageOf', { page, pages })} · ${t('total', { total: input.total })}</span>
    ${page < pages ? html`<a rel="next" href="${link(input.offset + input.limit)}">${t('next')}</a>` : ''}
  </nav>`;
}

function actorName(t: T, actor: string) {
  if (actor === 'public') return `${actor} (${t('actorPublic')})`;
  if (actor === 'system') return `${actor} (${t('actorSystem')})`;
  return actor;
}

/** The details as "key: value" lines; nested values as compact JSON. */
function details(entry: AuditEntry) {
  if (!entry.details || Object.keys(entry.details).length === 0) return '—';
  return html`<dl class="details">${Object.entries(entry.details).map(([key, value]) => html`<dt>${key}</dt><dd>${typeof value === 'string' ? value : JSON.stringify(value)}</dd>`)}</dl>`;
}

function filters(t: T, lang: Lang, input: AuditPageInput) {
  const f = input.filter;
  const actions = f.action && !input.actions.includes(f.action) ? [...input.actions, f.action] : input.actions;
  return html`<form class="card filters" method="get" action="/admin/audit" aria-label="${t('filters')}">
  ${
    input.communes.length > 0
      ? html`<div class="stack"><label for="f-commune">${t('auditCommune')}</label>
    <select id="f-commune" name="commune"><option value="">${t('all')}</option>${input.communes.map((cm) => html`<option value="${cm.value}"${cm.value === f.commune ? html` selected` : ''}>${cm.label}</option>`)}</select></div>`
      : ''
  }
  <div class="stack"><label for="f-actor">${t('actor')}</label>
    <input id="f-actor" name="actor" list="actors" value="${f.actor ?? ''}" maxlength="100" autocomplete="off" aria-describedby="f-actor-hint">
    <datalist id="actors">${['public', 'system', ...input.actors].map((a) => html`<option value="${a}"></option>`)}</datalist>
    <small id="f-actor-hint" class="hint">${t('actorHint')}</small></div>
  <div class="stack"><label for="f-action">${t('action')}</label>
    <select id="f-action" name="action"><option value="">${t('all')}</option>${actions.map((a) => html`<option value="${a}"${a === f.action ? html` selected` : ''}>${actionLabel(a, lang)}${actionLabel(a, lang) === a ? '' : ` (${a})`}</option>`)}</select></div>
  <div class="stack"><label for="f-target">${t('target')}</label>
    <input id="f-target" name="target" value="${f.target ?? ''}" maxlength="200" autocomplete="off" aria-describedby="f-target-hint">
    <small id="f-target-hint" class="hint">${t('targetHint')}</small></div>
  <div class="stack"><label for="f-from">${t('from')}</label><input id="f-from" name="from" type="date" value="${f.from ?? ''}"></div>
  <div class="stack"><label for="f-to">${t('to')}</label><input id="f-to" name="to" type="date" value="${f.to ?? ''}"></div>
  <div class="actions"><button type="submit" class="primary">${t('apply')}</button><a class="button" href="/admin/audit">${t('clear')}</a></div>
</form>`;
}

/** The audit log, newest first: a filter form that works as a plain GET, the entries, pages and the CSV of the same filters. */
export function auditPage(t: T, lang: Lang, input: AuditPageInput) {
  return html`${adminStyles}
<p class="hint">${t('auditIntro')}</p>
${filters(t, lang, input)}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<p><a class="button" id="audit-csv" href="/api/v1/audit.csv?${query(input.filter)}" download="audit.csv">${t('csv')}</a></p>
${input.items.length === 0 ? html`<p class="hint">${t('none')}</p>` : ''}
${input.items.length > 0
    ? html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t('auditTitle')}"><table class="audit">
  <caption class="hint">${t('total', { total: input.total })}</caption>
  <thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('actor')}</th><th scope="col">${t('action')}</th><th scope="col">${t('target')}</th><th scope="col">${t('details')}</th><th scope="col">${t('ip')}</th></tr></thead>
  <tbody>${input.items.map(
    (e) => html`<tr>
    <td data-label="${t('time')}"><time datetime="${new Date(e.at).toISOString()}">${localTime(e.at, lang)}</time></td>
    <td data-label="${t('actor')}"><a href="/admin/audit?${query({ actor: e.actor })}">${actorName(t, e.actor)}</a></td>
    <td data-label="${t('action')}"><strong>${actionLabel(e.action, lang)}</strong><br><code>${e.action}</code></td>
    <td data-label="${t('target')}">${e.target ?? '—'}</td>
    <td data-label="${t('details')}">${details(e)}</td>
    <td data-label="${t('ip')}">${e.ip ?? '—'}</td>
  </tr>`,
  )}</tbody>
</table></div>`
    : ''}
${pager(t, input)}`;
}
