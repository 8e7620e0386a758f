import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { can } from '../users/permissions.js';
import { NOTIFICATIONS_PAGE } from '../notifications/webpush/push-paths.js';
import { PASSWORD_PAGE, type NavItem, type View } from './console-kit.js';

export type Markup = string | HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageContent {
  /** The page's heading and window title (plain text). */
  title: string;
  /** The page body (inside <main>, under the heading). Build it with hono's `html` tag so values are escaped. */
  main: Markup;
  /** Page scripts, ES modules from /assets/console/ (e.g. 'radio-bulletins.js'). */
  scripts?: string[];
  /** Handed to the page scripts as JSON (read with `pageData()` of console.js): ids, strings, settings. */
  data?: Record<string, unknown>;
  status?: number;
}

export const ASSET_PREFIX = '/assets/console/';

/** JSON safe inside a <script> data block: no `</script>` or `<!--` can close it early. */
const jsonBlock = (value: unknown) => raw(JSON.stringify(value).replace(/</g, '\\u003c'));

function withLang(path: string, lang: string): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set('lang', lang);
  return url.pathname + url.search;
}

const isCurrent = (item: NavItem, path: string) => path === item.href || (item.href !== '/' && path.startsWith(`${item.href}/`)) || path.split('?')[0] === item.href;

function menu(view: View, nav: NavItem[]) {
  if (nav.length === 0) return '';
  return html`<nav class="menu" aria-label="${view.t('menu')}"><ul>
    ${nav.map((item) => html`<li><a href="${item.href}"${isCurrent(item, view.path) ? raw(' aria-current="page"') : ''}>${item.label[view.lang]}</a></li>`)}
  </ul></nav>`;
}

const accountLink = (view: View, href: string, label: string) => html`<a href="${href}"${view.path.split('?')[0] === href ? raw(' aria-current="page"') : ''}>${label}</a>`;

function account(view: View) {
  const other = view.t('otherLanguageCode');
  const language = html`<a class="lang" href="${withLang(view.path, other)}" lang="${other}" hreflang="${other}">${view.t('otherLanguage')}</a>`;
  if (!view.user) return html`<div class="account">${language} <a href="/login">${view.t('login')}</a></div>`;
  return html`<div class="account">
    <span class="who">${view.t('signedInAs', { name: view.user.displayName, role: view.t(`role_${view.user.role}`) })}</span>
    ${can(view.user, 'notifications.subscribe') && !view.user.mustChangePassword ? accountLink(view, NOTIFICATIONS_PAGE, view.t('pushNotifications')) : ''}
    ${accountLink(view, PASSWORD_PAGE, view.t('changePassword'))}
    ${language}
    <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${view.csrf ?? ''}"><button type="submit" class="link">${view.t('logout')}</button></form>
  </div>`;
}

/** The console's frame around a page: one layout for every role, readable on a phone. `banner`: what must be seen on every page (a loudspeaker zone alarm). */
export function renderLayout(view: View, nav: NavItem[], content: PageContent, banner: Markup = '') {
  const scripts = ['console.js', ...(content.scripts ?? [])];
  return html`<!doctype html>
<html lang="${view.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${view.csrf ? html`<meta name="csrf-token" content="${view.csrf}">` : ''}
<title>${content.title} — ${view.t('appName')}</title>
<link rel="icon" href="${ASSET_PREFIX}icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSET_PREFIX}console.css">
${scripts.map((s) => html`<script type="module" src="${ASSET_PREFIX}${s}"></script>`)}
</head>
<body>
<a class="skip" href="#main">${view.t('skipToContent')}</a>
<header class="top">
  <a class="brand" href="/"><img src="${ASSET_PREFIX}icon.svg" alt="" width="28" height="28"> ${view.t('appName')}</a>
  ${account(view)}
</header>
${menu(view, nav)}
<main id="main" tabindex="-1">
${banner}
<h1>${content.title}</h1>
${content.main}
</main>
<p class="offline" id="offline" hidden>${view.t('offline')}</p>
<script type="application/json" id="page-data">${jsonBlock({ lang: view.lang, ...content.data })}</script>
</body>
</html>`;
}
