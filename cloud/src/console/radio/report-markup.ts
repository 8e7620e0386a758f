import { html } from 'hono/html';
import type { Translate } from '../i18n.js';
import { REPORT_PRIORITIES, SOURCES, type MonthlyReport } from '../../radio/broadcast-report/monthly-report.js';
import { reportLabels } from '../../radio/broadcast-report/report-labels.js';
import type { reportMessages } from './report-messages.js';

type T = Translate<keyof (typeof reportMessages)['vi']>;

/** 5 400 000 ms → "1 giờ 30 phút" / "1 h 30 min". */
export function spokenDuration(ms: number, lang: 'vi' | 'en'): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (lang === 'vi') return h ? `${h} giờ ${m} phút` : `${m} phút`;
  return h ? `${h} h ${m} min` : `${m} min`;
}

const when = (ms: number, lang: 'vi' | 'en') =>
  new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short', hour12: false }).format(new Date(ms));

const percent = (ratio: number, lang: 'vi' | 'en') => new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { style: 'percent', maximumFractionDigits: 1 }).format(ratio);

/** The printable report: a month picker (GET form), print and CSV links (not printed), one table per hamlet. */
export function reportMarkup(t: T, lang: 'vi' | 'en', report: MonthlyReport) {
  const l = reportLabels[lang];
  const cell = (ms: number, items: number) => (items ? html`${spokenDuration(ms, lang)} <span class="hint">(${items})</span>` : '—');
  return html`<p>${t('reportIntro')}</p>
<form method="get" action="/radio/report" class="no-print actions">
  <label for="report-month">${t('month')}</label>
  <input id="report-month" name="month" type="month" required value="${report.month}">
  <button type="submit">${t('show')}</button>
  <button type="button" id="print-report">${t('print')}</button>
  <a class="button" href="/api/v1/radio/reports/monthly.csv?month=${report.month}" download>${t('csv')}</a>
</form>
<p><strong>${t('communeTotal', { items: report.total.items, duration: spokenDuration(report.total.ms, lang) })}</strong> · <span class="hint">${t('generatedAt', { at: when(report.generatedAt, lang) })}</span></p>
${report.hamlets.map((h) => {
  const u = h.uptime;
  const uptime = u.ratio === null ? t('uptimeNone') : t('uptimeLine', { percent: percent(u.ratio, lang), zones: u.zones, down: spokenDuration(u.knownMs - u.upMs, lang) });
  return html`<section class="card report-hamlet" aria-labelledby="report-${h.hamletCode}" data-hamlet="${h.hamletCode}">
  <h2 id="report-${h.hamletCode}">${h.hamletName}</h2>
  <p><strong>${t('duration')}:</strong> ${spokenDuration(h.total.ms, lang)} · <strong>${t('items')}:</strong> ${h.total.items} · <strong>${t('uptime')}:</strong> <span data-uptime>${uptime}</span></p>
  ${h.total.items === 0
    ? html`<p class="hint">${t('emptyHamlet')}</p>`
    : html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="report-${h.hamletCode}"><table class="report">
  <thead><tr><th scope="col">${t('source')}</th>${REPORT_PRIORITIES.map((p) => html`<th scope="col">${l.priority[p]}</th>`)}<th scope="col">${t('total')}</th></tr></thead>
  <tbody>${SOURCES.map(
    (s) => html`<tr data-source="${s}"><th scope="row">${l.source[s]}</th>${REPORT_PRIORITIES.map((p) => {
      const c = h.cells.find((x) => x.source === s && x.priority === p)!;
      return html`<td>${cell(c.ms, c.items)}</td>`;
    })}<td>${cell(h.bySource[s].ms, h.bySource[s].items)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row">${t('total')}</th>${REPORT_PRIORITIES.map((p) => html`<td>${cell(h.byPriority[p].ms, h.byPriority[p].items)}</td>`)}<td>${cell(h.total.ms, h.total.items)}</td></tr></tfoot>
</table></div>`}
</section>`;
})}`;
}
