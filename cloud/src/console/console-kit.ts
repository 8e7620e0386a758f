import type { Context, MiddlewareHandler } from 'hono';
import type { Hono } from 'hono';
import { CSRF_FIELD, CSRF_HEADER, csrfMatches, csrfTokenFor, isSafeMethod, sessionCookie } from '../auth/session-cookie.js';
import type { SessionStore } from '../auth/session-store.js';
import type { AppEnv } from '../http/env.js';
import { allowedDuringPasswordChange, can, type Action } from '../users/permissions.js';
import type { User } from '../users/user-store.js';
import { common } from './common-messages.js';
import { langOf, translator, type Lang, type Translate } from './i18n.js';
import { renderLayout, type Markup, type PageContent } from './layout.js';

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
/** Public pages such a person may still open (besides the pages whose action the table allows meanwhile). */
const SESSION_PAGES = new Set(['/login', '/logout']);

export type ConsoleEnv = { Variables: AppEnv['Variables'] & { view: View } };

/** Who may open a page: a person who may do the action (users/permissions.ts), or anyone. */
export type PageAccess = Action | 'public';

/** A menu entry a section offers: a page of its own, by the GET path `kit.page` guards. */
export interface MenuEntry {
  href: string;
  label: { vi: string; en: string };
}

/** A menu entry with the access its page declared: shown to whoever may open that page. */
export interface NavItem extends MenuEntry {
  access: PageAccess;
}

/** One area of the console (radio, technician, police, citizens): its menu entries and its pages. */
export interface ConsoleSection {
  nav: MenuEntry[];
  routes: Hono<ConsoleEnv>;
}

/** Whether the menu shows an entry to this person (or visitor). */
export const shownTo = (item: NavItem, user: User | null): boolean => item.access === 'public' || (user !== null && can(user, item.access));

/** The access each `kit.page` middleware declared, found again from a router's routes. */
const declared = new WeakMap<object, PageAccess>();

/** A console page as registered: method, path pattern, and the access its `kit.page` declared. */
export interface DeclaredPage {
  method: string;
  path: string;
  access: PageAccess;
}

/**
 * Every console page of `app` (a section, the console, or the app they are mounted in) with the
 * access it declared: what the menu reads, so an entry is shown exactly to those the page lets in.
 */
export function declaredPages(app: { routes: readonly { method: string; path: string; handler: unknown }[] }): DeclaredPage[] {
  return app.routes.flatMap(({ method, path, handler }) => {
    const access = typeof handler === 'function' ? declared.get(handler) : undefined;
    return access ? [{ method, path, access }] : [];
  });
}

export interface ConsoleKit {
  /**
   * Middleware for a page. With an action: nobody logged in → redirect to /login, a person whose
   * role may not do it → 403 page; 'public': anyone, the user is known if logged in. A person who
   * must change the password an admin set is sent to PASSWORD_PAGE from every page but /login,
   * /logout and those whose action the permission table allows meanwhile (that page's).
   * Changes (POST, …) must carry the CSRF token (form field `_csrf` or header X-CSRF-Token)
   * whenever a session cookie is present.
   */
  page(access: PageAccess): MiddlewareHandler<ConsoleEnv>;
  /** The page in the console's frame (header, menu, language switch), as HTML. */
  render(c: Context<ConsoleEnv>, content: PageContent): Response | Promise<Response>;
}

export interface ConsoleKitDeps {
  sessions: SessionStore;
  /** Every section's menu entries with their pages' access, in menu order (filled as sections are added). */
  nav: NavItem[];
  /** Records a refused page (someone opening a page their role may not). */
  refused(c: Context, user: User, path: string): Promise<unknown>;
  /** What every page shows its logged-in reader above the heading (the loudspeaker alarms to whom they concern); '' for nothing. */
  banner?: (view: View) => Markup | Promise<Markup>;
}

export function createConsoleKit({ sessions, nav, refused, banner }: ConsoleKitDeps): ConsoleKit {
  const render: ConsoleKit['render'] = async (c, content) => {
    const view = c.get('view');
    // no menu while the person must first change the password an admin set: every entry would lead back
    const visible = view.user?.mustChangePassword ? [] : nav.filter((item) => shownTo(item, view.user));
    if (view.user) c.header('cache-control', 'no-store');
    // the banner reads the store (the loudspeaker alarms): awaited, so render is async
    const top = view.user && !view.user.mustChangePassword && banner ? await banner(view) : '';
    return c.html(renderLayout(view, visible, content, top), (content.status ?? 200) as 200);
  };

  const page: ConsoleKit['page'] = (access) => {
    const middleware: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
      const lang = langOf(c);
      const url = new URL(c.req.url);
      const token = sessionCookie(c);
      const user = token ? await sessions.resolve(token) : null;
      const view: View = { lang, user, csrf: token && user ? csrfTokenFor(token) : null, path: url.pathname + url.search, t: translator(common, lang) };
      c.set('view', view);
      const openDuringChange = access === 'public' ? SESSION_PAGES.has(url.pathname) : allowedDuringPasswordChange(access);
      if (user?.mustChangePassword && !openDuringChange) return c.redirect(PASSWORD_PAGE, 303);
      if (access !== 'public' && !user) return c.redirect(`/login?next=${encodeURIComponent(view.path)}`, 303);
      if (access !== 'public' && user && !can(user, access)) {
        await refused(c, user, url.pathname);
        return render(c, { title: view.t('forbiddenTitle'), status: 403, main: view.t('forbiddenText', { role: view.t(`role_${user.role}`) }) });
      }
      if (!isSafeMethod(c.req.method) && token && !(await csrfPresented(c, token))) {
        return render(c, { title: view.t('csrfTitle'), status: 403, main: view.t('csrfText') });
      }
      await next();
    };
    declared.set(middleware, access);
    return middleware;
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
