import { html, raw } from 'hono/html';
import { REPORT_CATEGORIES } from '../../reports/report-schemas.js';
import type { PublicReportStatus } from '../../reports/http-schemas.js';
import type { Lang, Translate } from '../i18n.js';
import { ASSET_PREFIX } from '../layout.js';
import type { publicMessages } from './public-messages.js';
import type { PublicNotice } from '../../radio/bulletins/public-notices.js';
import type { CommuneInfo } from '../../communes/commune-store.js';
import { communeBase, PROVINCE_PAGE, publicPaths, type PublicPaths } from './public-paths.js';

type T = Translate<keyof (typeof publicMessages)['vi']>;
export interface HamletChoice {
  code: string;
  name: string;
}

export const publicStyles = html`<link rel="stylesheet" href="${ASSET_PREFIX}public.css">`;

/** Epoch ms as a date and time in the commune's zone. */
export function localTime(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short', hour12: false }).format(new Date(ms));
}

const selected = (on: boolean) => (on ? html` selected` : '');

/** The report form: a plain multipart form post, so it works without JavaScript. */
export function reportForm(t: T, paths: PublicPaths, input: { hamlets: HamletChoice[]; values: Record<string, string>; error: string | null; csrf: string | null; maxMb: number }) {
  const v = input.values;
  return html`${publicStyles}
<p>${t('reportIntro')}</p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<form class="card stack report-form" method="post" action="${paths.report}" enctype="multipart/form-data">
  ${input.csrf ? html`<input type="hidden" name="_csrf" value="${input.csrf}">` : ''}
  <label for="category">${t('category')}</label>
  <select id="category" name="category" required>
    <option value="">${t('chooseCategory')}</option>
    ${Object.entries(REPORT_CATEGORIES).map(([id, label]) => html`<option value="${id}"${selected(v.category === id)}>${label}</option>`)}
  </select>
  <label for="description">${t('description')}</label>
  <textarea id="description" name="description" required minlength="10" maxlength="4000" aria-describedby="description-hint">${v.description ?? ''}</textarea>
  <p class="hint" id="description-hint">${t('descriptionHint')}</p>
  <label for="hamlet">${t('hamlet')}</label>
  <select id="hamlet" name="hamlet" required>
    <option value="">${t('chooseHamlet')}</option>
    ${input.hamlets.map((h) => html`<option value="${h.code}"${selected(v.hamlet === h.code)}>${h.name}</option>`)}
  </select>
  <fieldset>
    <legend>${t('location')}</legend>
    <p class="hint" id="location-hint">${t('locationHint')}</p>
    <div class="coords">
      <div class="stack"><label for="lat">${t('latitude')}</label><input id="lat" name="lat" inputmode="decimal" value="${v.lat ?? ''}" aria-describedby="location-hint"></div>
      <div class="stack"><label for="lon">${t('longitude')}</label><input id="lon" name="lon" inputmode="decimal" value="${v.lon ?? ''}" aria-describedby="location-hint"></div>
    </div>
    <button type="button" id="locate" hidden>${t('useMyLocation')}</button>
    <p id="locate-status" role="status" hidden></p>
  </fieldset>
  <label for="photo">${t('photo')}</label>
  <input id="photo" name="photo" type="file" accept="image/*" aria-describedby="photo-hint">
  <p class="hint" id="photo-hint">${t('photoHint', { mb: input.maxMb })}</p>
  <label for="phone">${t('phone')}</label>
  <input id="phone" name="phone" type="tel" autocomplete="tel" value="${v.phone ?? ''}" aria-describedby="phone-hint">
  <p class="hint" id="phone-hint">${t('phoneHint')}</p>
  <button type="submit" class="primary">${t('send')}</button>
</form>
${lookupForm(t, paths)}`;
}

export function lookupForm(t: T, paths: Pick<PublicPaths, 'lookup'>, error: string | null = null) {
  return html`<section class="card" aria-labelledby="lookup-heading">
  <h2 id="lookup-heading">${t('lookupTitle')}</h2>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <form class="stack" method="get" action="${paths.lookup}">
    <label for="code">${t('trackingCode')}</label>
    <input id="code" name="code" required autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20">
    <button type="submit">${t('lookup')}</button>
  </form>
</section>`;
}

/** A report as its reporter (or anyone with the code) sees it. */
export function reportStatus(t: T, paths: PublicPaths, report: PublicReportStatus, lang: Lang, fresh: boolean) {
  return html`${publicStyles}
${fresh ? html`<p class="success" role="status">${t('received')}</p>` : ''}
<section class="card">
  <p class="tracking">${t('codeLabel')}: <strong id="tracking-code">${report.code}</strong></p>
  <dl class="facts">
    <dt>${t('status')}</dt><dd><span class="badge report-${report.status}" id="report-status">${report.statusLabel}</span></dd>
    <dt>${t('category')}</dt><dd>${report.categoryLabel}</dd>
    <dt>${t('hamlet')}</dt><dd>${report.hamletName ?? report.hamletCode}</dd>
    <dt>${t('createdAt')}</dt><dd>${localTime(report.createdAt, lang)}</dd>
    <dt>${t('updatedAt')}</dt><dd>${localTime(report.updatedAt, lang)}</dd>
  </dl>
  <h2>${t('reply')}</h2>
  ${report.publicReply ? html`<blockquote id="report-reply">${report.publicReply}</blockquote>` : html`<p class="hint">${t('noReply')}</p>`}
</section>
<p><a class="button" href="${paths.report}">${t('newReport')}</a></p>`;
}

/** 119 600 ms → "2:00": rounded to whole seconds first, then split (minutes and seconds rounded apart gave "1:00"). */
export function minutesAndSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The commune's Zalo OA, when connected: its link and the QR code of it (an SVG drawn by the cloud). */
export interface ZaloFollow {
  url: string;
  qrSvg: string;
}

export function noticesList(t: T, paths: PublicPaths, notices: PublicNotice[], lang: Lang, zalo: ZaloFollow | null = null) {
  return html`${publicStyles}
<p>${t('noticesIntro')}</p>
<p><a href="${paths.feed}" type="application/atom+xml">${t('atomFeed')}</a></p>
${zalo
    ? html`<section class="card zalo-follow" aria-labelledby="zalo-title">
  <h2 id="zalo-title">${t('zaloTitle')}</h2>
  <div class="zalo-qr" role="img" aria-label="${t('zaloLink')}" style="max-width:12rem">${raw(zalo.qrSvg)}</div>
  <p>${t('zaloSteps')}</p>
  <p><a href="${zalo.url}" rel="noopener">${t('zaloLink')}</a></p>
</section>`
    : ''}
${notices.length === 0 ? html`<p class="hint">${t('noNotices')}</p>` : ''}
<ol class="notices">
  ${notices.map(
    (n) => html`<li class="card notice-item" id="${n.id}">
    <h2>${n.title}</h2>
    <p class="hint">${t('publishedAt')}: ${localTime(n.publishedAt, lang)} · ${t('duration')}: ${minutesAndSeconds(n.durationMs)}</p>
    ${n.text ? html`<p class="notice-text">${n.text}</p>` : ''}
    <audio controls preload="none" src="${paths.audio(n.id)}" aria-label="${t('listen')}: ${n.title}"></audio>
  </li>`,
  )}
</ol>`;
}

/**
 * Whose pages these are (issue 10): the commune's name and place. On a commune's /xa/ address also
 * its own two pages and the way back to the province's list (the menu's entries are the old
 * addresses, which lead to that list once there are several communes); on a single-commune install's
 * old addresses the menu already has them, and the page stays as it was to the keyboard.
 */
export function communeHeader(t: T, commune: CommuneInfo, paths: PublicPaths, current: 'report' | 'notices' | null, underProvince: boolean) {
  const place = html`<p class="commune-name" id="commune-name"><strong>${commune.name}</strong> <span class="hint">${commune.district}, ${commune.province}</span></p>`;
  if (!underProvince) return html`<div class="commune-header">${place}</div>`;
  const link = (href: string, label: string, here: boolean) => html`<li><a href="${href}"${here ? raw(' aria-current="page"') : ''}>${label}</a></li>`;
  return html`<nav class="card commune-header" aria-labelledby="commune-name">
  ${place}
  <ul class="commune-links">
    ${link(paths.notices, t('navNotices'), current === 'notices')}
    ${link(paths.report, t('navReport'), current === 'report')}
    ${link(PROVINCE_PAGE, t('otherCommunes'), false)}
  </ul>
</nav>`;
}

/** The province's page: every commune that is not retired, with its two pages, Vietnamese names as they are written. */
export function provincePage(t: T, communes: CommuneInfo[], lookup: { error: string | null }) {
  return html`${publicStyles}
<p>${t('provinceIntro')}</p>
${communes.length === 0 ? html`<p class="hint">${t('noCommunes')}</p>` : ''}
<ul class="communes">
  ${communes.map((commune) => {
    const paths = publicPaths(communeBase(commune.code));
    return html`<li class="card commune-item">
    <h2 id="commune-${commune.code}">${commune.name}</h2>
    <p class="hint">${commune.district}, ${commune.province}</p>
    <ul class="commune-links" aria-labelledby="commune-${commune.code}">
      <li><a href="${paths.notices}" aria-describedby="commune-${commune.code}">${t('navNotices')}</a></li>
      <li><a href="${paths.report}" aria-describedby="commune-${commune.code}">${t('navReport')}</a></li>
    </ul>
  </li>`;
  })}
</ul>
${lookupForm(t, { lookup: publicPaths('').lookup }, lookup.error)}`;
}
