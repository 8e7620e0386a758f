import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { requestIp } from '../audit/request-ip.js';
import type { Login, LoginAudit } from '../auth/login.js';
import type { SessionStore } from '../auth/session-store.js';
import type { AppEnv } from '../http/env.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import { formatBytes, payloadTooLarge, type RefuseBody } from '../http/body-limit.js';
import { common } from './common-messages.js';
import { langOf, translator } from './i18n.js';
import { createConsoleKit, declaredPages, type ConsoleKitDeps, shownTo, type ConsoleEnv, type ConsoleKit, type ConsoleSection, type MenuEntry, type NavItem } from './console-kit.js';
import { createLoginRoutes } from './login-routes.js';
import { securityHeaders } from './security-headers.js';
import { createStaticAssets } from './static-assets.js';

export interface ConsoleDeps {
  sessions: SessionStore;
  login: Login;
  /** The audit log (cloud/src/audit): logins, logouts and refused pages. */
  audit: LoginAudit;
  /** The areas (radio, technician, police, citizens), each built on the kit; their menu entries in this order. */
  sections: ((kit: ConsoleKit) => ConsoleSection)[];
  /** SC_PUBLIC_URL, which says whether the cookies must be Secure. */
  publicUrl: string | undefined;
  /** Shown above every page's heading to its logged-in reader (see ConsoleKitDeps.banner). */
  banner?: ConsoleKitDeps['banner'];
}

export interface Console {
  kit: ConsoleKit;
  /** The security headers: mount first so they cover every response, API included. */
  headers: Mount;
  /** Login, logout, the home page, static assets and every added section; mount at '/'. */
  pages: Mount;
  /** The answer to a body over the limit (http/body-limit.ts): a page for a console form, else the API's JSON. */
  refuseBody: RefuseBody;
}

/** The web console: server-rendered pages in Vietnamese (English on request) over the JSON API. */
export function createConsole({ sessions, login, audit, sections, publicUrl, banner }: ConsoleDeps): Console {
  const nav: NavItem[] = [];
  const kit = createConsoleKit({
    sessions,
    nav,
    banner,
    refused: (c, user, path) => audit.record({ actor: user.username, action: 'access.page_refused', target: `page:${path}`, details: { role: user.role }, ip: requestIp(c) }),
  });

  const headers = new OpenAPIHono<AppEnv>();
  headers.use('*', securityHeaders());

  const pages = new OpenAPIHono<AppEnv>();
  pages.route('/', createStaticAssets());
  pages.route('/', createLoginRoutes({ kit, login, sessions, audit, publicUrl }));
  pages.route('/', homePage(kit, nav));
  const entries: MenuEntry[] = [];
  for (const build of sections) {
    const section = build(kit);
    entries.push(...section.nav);
    pages.route('/', section.routes);
  }
  nav.push(...withPageAccess(entries, pages));

  return {
    kit,
    headers: { prefix: '/', app: headers },
    pages: { prefix: '/', app: pages },
    refuseBody: (c, maxBytes) => (wantsPage(c) ? tooLargePage(kit, c as Context<ConsoleEnv>, maxBytes) : payloadTooLarge(c, maxBytes)),
  };
}

/** Each menu entry takes the access its page declared, so the menu never shows a page that would refuse. */
function withPageAccess(entries: MenuEntry[], pages: OpenAPIHono<AppEnv>): NavItem[] {
  const access = new Map(declaredPages(pages).filter((p) => p.method === 'GET').map((p) => [p.path, p.access]));
  return entries.map((entry) => {
    const declared = access.get(entry.href);
    if (!declared) throw new Error(`menu entry ${entry.href} leads to no console page`);
    return { ...entry, access: declared };
  });
}

/** A browser posting a console form (not the API, not a page script's fetch) is answered with a page. */
const wantsPage = (c: Context) => !c.req.path.startsWith(`${API_PREFIX}/`) && (c.req.header('accept') ?? '').includes('text/html');

/** Refused before any page ran, so the view is set here: the page is shown as to a visitor who is not logged in. */
function tooLargePage(kit: ConsoleKit, c: Context<ConsoleEnv>, maxBytes: number) {
  const lang = langOf(c);
  const t = translator(common, lang);
  c.set('view', { lang, user: null, csrf: null, path: new URL(c.req.url).pathname, t });
  return kit.render(c, { title: t('tooLargeTitle'), status: 413, main: html`<p role="alert">${t('tooLargeText', { max: formatBytes(maxBytes) })}</p>` });
}

function homePage(kit: ConsoleKit, nav: NavItem[]) {
  const app = new Hono<ConsoleEnv>();
  app.get('/', kit.page('public'), (c) => {
    const view = c.get('view');
    const entries = nav.filter((item) => shownTo(item, view.user));
    const tiles = html`<ul class="tiles">${entries.map((item) => html`<li><a href="${item.href}">${item.label[view.lang]}</a></li>`)}</ul>`;
    if (!view.user) {
      return kit.render(c, {
        title: view.t('appName'),
        main: html`<p>${view.t('publicIntro')}</p>${tiles}<p><a class="button primary" href="/login">${view.t('login')}</a></p>`,
      });
    }
    return kit.render(c, {
      title: view.t('welcome', { name: view.user.displayName }),
      main: html`<p>${view.t('welcomeText')}</p>${tiles}`,
    });
  });
  return app;
}
