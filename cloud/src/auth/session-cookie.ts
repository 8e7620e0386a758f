import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/** The console's session cookie: the same token as a bearer session, kept where page scripts cannot read it. */
export const SESSION_COOKIE = 'sc_session';
/** Header a page script sends its CSRF token in; forms send it as the field `_csrf`. */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/**
 * Whether the console's cookies carry Secure: when the public address (SC_PUBLIC_URL) is https, or
 * the connection itself is. Behind the TLS proxy the operations guide recommends, the proxy talks
 * plain http to the cloud, so the connection alone would never say so.
 */
export function cookiesSecure(c: Context, publicUrl: string | undefined): boolean {
  return (publicUrl !== undefined && new URL(publicUrl).protocol === 'https:') || new URL(c.req.url).protocol === 'https:';
}

export function setSessionCookie(c: Context, token: string, expiresAt: number, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure });
}

export function sessionCookie(c: Context): string | null {
  return getCookie(c, SESSION_COOKIE) || null;
}

/**
 * The synchroniser token of a cookie session: derived from the session token, which a page on
 * another site can neither read (httpOnly) nor guess, so it cannot forge this either.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf\0${sessionToken}`).digest('base64url');
}

export function csrfMatches(sessionToken: string, presented: string | null | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Methods that change nothing and so need no CSRF token. */
export const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
