import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { timingSafeEqual } from 'node:crypto';
import { requestIp } from '../audit/request-ip.js';
import type { Login, LoginAudit } from '../auth/login.js';
import { randomSecret } from '../auth/secrets.js';
import { clearSessionCookie, cookiesSecure, CSRF_FIELD, sessionCookie, setSessionCookie } from '../auth/session-cookie.js';
import type { SessionStore } from '../auth/session-store.js';
import type { ConsoleEnv, ConsoleKit, View } from './console-kit.js';

/** Before a session exists, the login form is protected by a double-submit token in its own cookie. */
const LOGIN_COOKIE = 'sc_login';

export interface LoginRoutesDeps {
  kit: ConsoleKit;
  login: Login;
  sessions: SessionStore;
  /** The audit log (cloud/src/audit): logins, logouts and refused pages. */
  audit: LoginAudit;
  /** SC_PUBLIC_URL: when https, the cookies are Secure even though a TLS proxy talks http to the cloud. */
  publicUrl: string | undefined;
}

/** Tab, CR, LF and the other controls: browsers drop some of them from a URL ('/<TAB>/host' becomes '//host') and CR LF would split the Location header. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Only a path on this site, so a crafted link cannot send the person elsewhere after login: `next`
 * is resolved against this site's origin as a browser would and kept only if it stays there; a
 * control character anywhere, or anything else, gives the home page.
 */
export function safeNext(next: unknown, requestUrl: string): string {
  if (typeof next !== 'string' || !next.startsWith('/') || CONTROL_CHARACTER.test(next)) return '/';
  const origin = new URL(requestUrl).origin;
  const target = URL.canParse(next, origin) ? new URL(next, origin) : null;
  return target?.origin === origin ? target.pathname + target.search + target.hash : '/';
}

function loginForm(c: Context<ConsoleEnv>, options: { next: string; secure: boolean; username?: string; error?: string }) {
  const view: View = c.get('view');
  const token = randomSecret(18);
  setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/login', secure: options.secure });
  return html`<div class="narrow">
<p>${view.t('loginIntro')}</p>
${options.error ? html`<p class="error" role="alert" id="login-error">${options.error}</p>` : ''}
<form method="post" action="/login" class="stack" ${options.error ? html`aria-describedby="login-error"` : ''}>
  <input type="hidden" name="${CSRF_FIELD}" value="${token}">
  <input type="hidden" name="next" value="${options.next}">
  <label for="username">${view.t('username')}</label>
  <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${options.username ?? ''}" ${options.username ? '' : 'autofocus'}>
  <label for="password">${view.t('password')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200" ${options.username ? 'autofocus' : ''}>
  <button type="submit" class="primary">${view.t('login')}</button>
</form></div>`;
}

const sameToken = (a: string | undefined, b: unknown) =>
  typeof b === 'string' && a !== undefined && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** GET/POST /login and POST /logout: the console's cookie sessions over the same session store as bearer tokens. */
export function createLoginRoutes({ kit, login, sessions, audit, publicUrl }: LoginRoutesDeps) {
  const app = new Hono<ConsoleEnv>();
  const secure = (c: Context) => cookiesSecure(c, publicUrl);

  app.get('/login', kit.page('public'), (c) => {
    const view = c.get('view');
    const next = safeNext(c.req.query('next'), c.req.url);
    if (view.user) return c.redirect(next, 303);
    return kit.render(c, { title: view.t('loginTitle'), main: loginForm(c, { next, secure: secure(c) }) });
  });

  app.post('/login', kit.page('public'), async (c) => {
    const view = c.get('view');
    const form = await c.req.parseBody();
    const next = safeNext(form.next, c.req.url);
    const username = typeof form.username === 'string' ? form.username.trim().slice(0, 64) : '';
    const password = typeof form.password === 'string' ? form.password.slice(0, 200) : '';
    const again = (status: number, error: string) => kit.render(c, { title: view.t('loginTitle'), status, main: loginForm(c, { next, secure: secure(c), username, error }) });
    if (!sameToken(getCookie(c, LOGIN_COOKIE), form[CSRF_FIELD])) return again(403, view.t('loginExpired'));
    if (!username || !password) return again(400, view.t('loginInvalid'));

    const result = await login({ username, password, ip: requestIp(c), via: 'console' });
    if (!result.ok && result.reason === 'account_locked') {
      c.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
      return again(429, view.t('loginLocked', { minutes: Math.ceil(result.retryAfterMs / 60_000) }));
    }
    if (!result.ok && result.reason === 'client_rate') {
      c.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
      return again(429, view.t('loginRate', { seconds: Math.ceil(result.retryAfterMs / 1000) }));
    }
    if (!result.ok) return again(401, view.t('loginInvalid'));
    setSessionCookie(c, result.session.token, result.session.expiresAt, secure(c));
    return c.redirect(next, 303);
  });

  // a logged-out visitor's POST has no session to protect; with a session the kit checks the CSRF token
  app.post('/logout', kit.page('public'), async (c) => {
    const token = sessionCookie(c);
    const user = c.get('view').user;
    if (token) await sessions.revoke(token);
    if (user) await audit.record({ actor: user.username, action: 'auth.logout', target: `user:${user.username}`, details: { via: 'console' }, ip: requestIp(c) });
    clearSessionCookie(c, secure(c));
    return c.redirect('/login', 303);
  });

  return app;
}
