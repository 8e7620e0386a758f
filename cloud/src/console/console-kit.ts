import type { Context, MiddlewareHandler } from 'hono';
import type { Hono } from 'hono';
import { CSRF_FIELD, CSRF_HEADER, csrfMatches, csrfTokenFor, isSafeMethod, sessionCookie } from '../auth/session-cookie.js';
import type { SessionStore } from '../auth/session-store.js';
import type { AppEnv } from '../http/env.js';
import type { Role } from '../users/roles.js';
import type { User } from '../users/user-store.js';
import { common } from './common-messages.js';
import { langOf, translator, type Lang, type Translate } from './i18n.js';
import { renderLayout, type PageContent } from './layout.js';

/** What a console page knows about its request: language, person, CSRF token. */
export interface View {
  lang: Lang;
  /** Null on a public page nobody is logged in to. */
  user: User | null;
  /** The token forms send as `_csrf` and scripts as the X-CSRF-Token header; null without a session. */
  csrf: string | null;
  /** Path and query of this page, for the language switch and the menu. */
  path: string;
  t: Translate<keyof (typeof common)['vi']>;
}

/** Where a person changes their own password; one whose password an admin set is sent there first. */
export const PASSWORD_PAGE = '/account/password';
/** The pages such a person may still open: that one, and logging in or out. */
const DURING_PASSWORD_CHANGE = new Set([PASSWORD_PAGE, '/login', '/logout']);

export type ConsoleEnv = { Variables: AppEnv['Variables'] & { view: View } };

/** A menu entry: shown to the roles named, or to everyone ('public'). */
export interface NavItem {
  href: string;
  label: { vi: string; en: string };
  roles: readonly Role[] | 'public';
}

/** One area of the console (radio, technician, police, citizens): its menu entries and its pages. */
export interface ConsoleSection {
  nav: NavItem[];
  routes: Hono<ConsoleEnv>;
}

export interface ConsoleKit {
  /**
   * Middleware for a page. With roles: nobody logged in → redirect to /login, another role → 403
   * page; 'public': anyone, the user is known if logged in. A person who must change the password
   * an admin set is sent to PASSWORD_PAGE from every page but that one, /login and /logout.
   * Changes (POST, …) must carry the CSRF token (form field `_csrf` or header X-CSRF-Token)
   * whenever a session cookie is present.
   */
  page(access: readonly Role[] | 'public'): MiddlewareHandler<ConsoleEnv>;
  /** The page in the console's frame (header, menu, language switch), as HTML. */
  render(c: Context<ConsoleEnv>, content: PageContent): Response | Promise<Response>;
}

export interface ConsoleKitDeps {
  sessions: SessionStore;
  /** Every section's menu entries, in menu order (filled as sections are added). */
  nav: NavItem[];
  /** Records a refused page (someone opening a page their role may not). */
  refused(c: Context, user: User, path: string): void;
}

export function createConsoleKit({ sessions, nav, refused }: ConsoleKitDeps): ConsoleKit {
  const render: ConsoleKit['render'] = (c, content) => {
    const view = c.get('view');
    // no menu while the person must first change the password an admin set: every entry would lead back
    const visible = view.user?.mustChangePassword ? [] : nav.filter((item) => item.roles === 'public' || (view.user !== null && item.roles.includes(view.user.role)));
    if (view.user) c.header('cache-control', 'no-store');
    return c.html(renderLayout(view, visible, content), (content.status ?? 200) as 200);
  };

  const page: ConsoleKit['page'] = (access) => async (c, next) => {
    const lang = langOf(c);
    const url = new URL(c.req.url);
    const token = sessionCookie(c);
    const user = token ? sessions.resolve(token) : null;
    const view: View = { lang, user, csrf: token && user ? csrfTokenFor(token) : null, path: url.pathname + url.search, t: translator(common, lang) };
    c.set('view', view);
    if (user?.mustChangePassword && !DURING_PASSWORD_CHANGE.has(url.pathname)) return c.redirect(PASSWORD_PAGE, 303);
    if (access !== 'public' && !user) return c.redirect(`/login?next=${encodeURIComponent(view.path)}`, 303);
    if (access !== 'public' && user && !access.includes(user.role)) {
      refused(c, user, url.pathname);
      return render(c, { title: view.t('forbiddenTitle'), status: 403, main: view.t('forbiddenText', { role: view.t(`role_${user.role}`) }) });
    }
    if (!isSafeMethod(c.req.method) && token && !(await csrfPresented(c, token))) {
      return render(c, { title: view.t('csrfTitle'), status: 403, main: view.t('csrfText') });
    }
    await next();
  };

  return { page, render };
}

async function csrfPresented(c: Context, token: string): Promise<boolean> {
  if (csrfMatches(token, c.req.header(CSRF_HEADER))) return true;
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return false;
  const field = (await c.req.parseBody())[CSRF_FIELD];
  return typeof field === 'string' && csrfMatches(token, field);
}
