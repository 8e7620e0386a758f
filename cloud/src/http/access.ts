import type { Context, MiddlewareHandler } from 'hono';
import { allowedDuringPasswordChange, can, rolesFor, type Access } from '../users/permissions.js';
import type { SessionStore } from '../auth/session-store.js';
import { CSRF_HEADER, csrfMatches, isSafeMethod, sessionCookie } from '../auth/session-cookie.js';
import type { User } from '../users/user-store.js';
import type { AppEnv } from './env.js';
import type { BrokerCredential } from '../broker/http-auth/broker-credential.js';
import { ApiError, forbidden, unauthorized } from './errors.js';

export interface DeviceVerifier {
  /** The edge id when username/password are a valid device credential. */
  verify(username: string, password: string): Promise<string | null>;
}

/** Called with the person a route refuses, before the 403 (e.g. to write the refusal to the audit log). */
export type OnRefused = (c: Context<AppEnv>, user: User) => void | Promise<void>;

export type Guard = (access: Access, onRefused?: OnRefused) => MiddlewareHandler<AppEnv>;

function bearerToken(c: Context): string | null {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

function basicCredentials(c: Context): { username: string; password: string } | null {
  const header = c.req.header('authorization');
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The person behind a bearer token, or else behind the console's session cookie. A cookie is sent
 * by the browser on its own, so a change made with it must carry the page's CSRF token too.
 */
async function personOf(c: Context, sessions: SessionStore): Promise<User | null> {
  const bearer = bearerToken(c);
  if (bearer) return sessions.resolve(bearer);
  const cookie = sessionCookie(c);
  if (!cookie) return null;
  const user = await sessions.resolve(cookie);
  if (user && !isSafeMethod(c.req.method) && !csrfMatches(cookie, c.req.header(CSRF_HEADER))) {
    throw new ApiError(403, 'csrf_token_invalid', `a change made with the console's session cookie needs the page's CSRF token in the ${CSRF_HEADER} header`);
  }
  return user;
}

/**
 * Builds the middleware that enforces a route's Access on the server, for every request. `broker`
 * is SC_BROKER_AUTH_TOKEN's check; without it nobody is the broker and its routes answer 401.
 */
export function createGuard(sessions: SessionStore, devices: DeviceVerifier, broker?: BrokerCredential): Guard {
  return (access, onRefused) => async (c, next) => {
    if (access === 'public') return next();
    if (access === 'broker') {
      if (!broker) throw unauthorized('no broker credential is configured, so this endpoint is off: set SC_BROKER_AUTH_TOKEN on the cloud to turn it on');
      if (!broker.matches(c.req.header('authorization'))) throw unauthorized('the broker\'s credential is required: SC_BROKER_AUTH_TOKEN as a bearer token or as the HTTP Basic password');
      return next();
    }
    if (access === 'device') {
      const creds = basicCredentials(c);
      const edgeId = creds ? await devices.verify(creds.username, creds.password) : null;
      if (!edgeId) throw unauthorized('device credentials required');
      c.set('edgeId', edgeId);
      return next();
    }
    const user = await personOf(c, sessions);
    if (!user) throw unauthorized();
    if (user.mustChangePassword && !allowedDuringPasswordChange(access)) {
      throw new ApiError(
        403,
        'password_change_required',
        'Mật khẩu của bạn do quản trị viên đặt: hãy đổi mật khẩu trước (POST /api/v1/auth/password). / Your password was set by an administrator: change it first (POST /api/v1/auth/password).',
      );
    }
    if (!can(user, access)) {
      await onRefused?.(c, user);
      throw forbidden(`role "${user.role}" may not call this route: it needs "${access}" (allowed: ${rolesFor(access).join(', ')})`);
    }
    c.set('user', user);
    return next();
  };
}

/** The session token this request came with (bearer first, else the console's cookie), to keep it when ending the others. */
export function sessionTokenOf(c: Context): string | null {
  return bearerToken(c) ?? sessionCookie(c);
}

/** The authenticated person of a route guarded by an action. */
export function currentUser(c: Context<AppEnv>): User {
  const user = c.get('user');
  if (!user) throw unauthorized();
  return user;
}
