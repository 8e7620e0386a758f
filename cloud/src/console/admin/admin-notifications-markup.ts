import { html } from 'hono/html';
import { DELIVERY_STATUSES, type Delivery } from '../../notifications/deliveries.js';
import type { Lang, Translate } from '../i18n.js';
import { adminStyles, localTime } from './admin-audit-markup.js';
import type { notificationsMessages } from './admin-notifications-messages.js';

export type NT = Translate<keyof (typeof notificationsMessages)['vi']>;

export interface NotificationsPageInput {
  items: Delivery[];
  total: number;
  limit: number;
  offset: number;
  /** The filters as typed (only those filled in). */
  filter: Record<string, string>;
  /** The channels the cloud runs and those found in the outbox, for the channel list. */
  channels: string[];
  error: string | null;
}

const query = (filter: Record<string, string>, extra: Record<string, string> = {}) => new URLSearchParams({ ...filter, ...extra }).toString();

/** A channel's name for people: the known ones described, others as they are. */
const channelName = (t: NT, channel: string) => {
  const key = `channel_${channel}` as Parameters<NT>[0];
  const named = t(key);
  return named === key ? channel : named;
};

function pager(t: NT, input: NotificationsPageInput) {
  const pages = Math.max(1, Math.ceil(input.total / input.limit));
  const page = Math.floor(input.offset / input.limit) + 1;
  const link = (offset: number) => `/admin/notifications?${query(input.filter, { offset: String(offset) })}`;
  return html`<nav class="pager" aria-label="${t('pageOf', { page, pages })}">
    ${page > 1 ? html`<a rel="prev" href="${link(input.offset - input.limit)}">${t('previous')}</a>` : ''}
    <span>${t('pageOf', { page, pages })} · ${t('total', { total: input.total })}</span>
    ${page < pages ? html`<a rel="next" href="${link(input.offset + input.limit)}">${t('next')}</a>` : ''}
  </nav>`;
}

function filters(t: NT, input: NotificationsPageInput) {
  const f = input.filter;
  const channels = f.channel && !input.channels.includes(f.channel) ? [...input.channels, f.channel] : input.channels;
  return html`<form class="card filters" method="get" action="/admin/notifications" aria-label="${t('filters')}">
  <div class="stack"><label for="n-channel">${t('channel')}</label>
    <select id="n-channel" name="channel"><option value="">${t('all')}</option>${channels.map((c) => html`<option value="${c}"${c === f.channel ? html` selected` : ''}>${channelName(t, c)}</option>`)}</select></div>
  <div class="stack"><label for="n-status">${t('status')}</label>
    <select id="n-status" name="status"><option value="">${t('all')}</option>${DELIVERY_STATUSES.map((s) => html`<option value="${s}"${s === f.status ? html` selected` : ''}>${t(`status_${s}`)}</option>`)}</select></div>
  <div class="stack"><label for="n-subject">${t('subject')}</label>
    <input id="n-subject" name="subject" value="${f.subject ?? ''}" maxlength="130" autocomplete="off" aria-describedby="n-subject-hint">
    <small id="n-subject-hint" class="hint">${t('subjectHint')}</small></div>
  <div class="stack"><label for="n-since">${t('since')}</label><input id="n-since" name="since" type="date" value="${f.since ?? ''}"></div>
  <div class="actions"><button type="submit" class="primary">${t('apply')}</button><a class="button" href="/admin/notifications">${t('clear')}</a></div>
</form>`;
}

/** Each attempt: when, what came of it, why, how long it took. */
function attempts(t: NT, lang: Lang, d: Delivery) {
  const next = d.nextAttemptAt !== null ? html`<p class="hint">${t('nextAttempt', { at: localTime(d.nextAttemptAt, lang) })}</p>` : '';
  if (d.history.length === 0) return html`<p class="hint">${t('noAttempt')}</p>${next}`;
  return html`<ol class="attempts">${d.history.map(
    (a) => html`<li class="outcome-${a.outcome}"><time datetime="${new Date(a.at).toISOString()}">${localTime(a.at, lang)}</time> — ${t(`outcome_${a.outcome}`)}${a.reason ? html`: <span class="reason">${a.reason}</span>` : ''} <small class="hint">(${a.durationMs} ms)</small></li>`,
  )}</ol>${next}`;
}

/** The outbox, newest first: a filter form that works as a plain GET, each message with its attempts, retry-now for one given up. */
export function notificationsPage(t: NT, lang: Lang, input: NotificationsPageInput) {
  return html`${adminStyles}
<p class="hint">${t('notificationsIntro')}</p>
${filters(t, input)}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<p id="notifications-status" role="status" aria-live="polite"></p>
${input.items.length === 0 ? html`<p class="hint">${t('none')}</p>` : ''}
${input.items.length > 0
    ? html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t('notificationsTitle')}"><table class="audit notifications">
  <caption class="hint">${t('total', { total: input.total })}</caption>
  <thead><tr><th scope="col">${t('createdAt')}</th><th scope="col">${t('channel')}</th><th scope="col">${t('recipient')}</th><th scope="col">${t('message')}</th><th scope="col">${t('status')}</th><th scope="col">${t('attempts')}</th></tr></thead>
  <tbody>${input.items.map(
    (d) => html`<tr data-id="${d.id}" data-status="${d.status}">
    <td data-label="${t('createdAt')}"><time datetime="${new Date(d.createdAt).toISOString()}">${localTime(d.createdAt, lang)}</time></td>
    <td data-label="${t('channel')}">${channelName(t, d.channel)}</td>
    <td data-label="${t('recipient')}">${d.recipient}<br><a href="/admin/notifications?${query({ subject: d.subject })}"><code>${d.subject}</code></a></td>
    <td data-label="${t('message')}"><strong>${d.content.title}</strong><br>${d.content.body}<br><code>${d.event}</code></td>
    <td data-label="${t('status')}"><strong class="status-${d.status}">${t(`status_${d.status}`)}</strong>${d.status === 'sent' && d.sentAt !== null ? html`<br><time datetime="${new Date(d.sentAt).toISOString()}">${localTime(d.sentAt, lang)}</time>` : ''}${
      d.status === 'failed'
        ? html`<br><button type="button" class="retry" data-id="${d.id}" aria-label="${t('retryOf', { id: d.id })}">${t('retry')}</button>`
        : ''
    }</td>
    <td data-label="${t('attempts')}">${attempts(t, lang, d)}</td>
  </tr>`,
  )}</tbody>
</table></div>`
    : ''}
${pager(t, input)}`;
}
