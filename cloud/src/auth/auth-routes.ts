import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { userSchema } from '../users/users-routes.js';
import type { SessionStore } from './session-store.js';
import type { Login } from './login.js';

const credentialsSchema = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) })
  .openapi('Credentials');

const tokenSchema = z.object({ token: z.string(), expiresAt: z.number(), user: userSchema }).openapi('AccessToken');

export interface AuthRoutesDeps {
  guard: Guard;
  login: Login;
  sessions: SessionStore;
  audit: AuditLog;
}

/** Username and password in, bearer token out (throttled like the console's login). */
export function createAuthRoutes({ guard, login, sessions, audit }: AuthRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, 'public', {
      method: 'post',
      path: '/auth/token',
      tags: ['Auth'],
      summary: 'Log in: exchange username and password for a bearer token',
      request: { body: jsonBody(credentialsSchema) },
      responses: {
        200: jsonContent(tokenSchema, 'A bearer token for the Authorization header'),
        401: jsonContent(z.object({}), 'Wrong username or password'),
        429: jsonContent(z.object({}), 'This address is locked out of the account after 5 wrong passwords (a wait that doubles with each further one), or fails too often (Retry-After says how long)'),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      const result = await login({ username, password, ip: requestIp(c), via: 'api' });
      if (result.ok) return c.json({ token: result.session.token, expiresAt: result.session.expiresAt, user: result.user }, 200);
      if (result.reason === 'invalid_credentials') throw new ApiError(401, 'invalid_credentials', 'wrong username or password, or the account is disabled');
      c.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
      if (result.reason === 'account_locked') throw new ApiError(429, 'account_locked', `too many wrong passwords from this address: it may try this account again in ${Math.ceil(result.retryAfterMs / 60_000)} minutes`);
      throw new ApiError(429, 'too_many_logins', `too many login attempts from this address: wait ${Math.ceil(result.retryAfterMs / 1000)} seconds`);
    },
  );
  app.openapi(
    apiRoute(guard, { roles: ['admin', 'technician', 'operator', 'police', 'viewer'] }, {
      method: 'delete',
      path: '/auth/token',
      tags: ['Auth'],
      summary: 'Log out: the bearer token of this request stops working',
      responses: { 204: { description: 'Logged out' } },
    }),
    (c) => {
      const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (token) sessions.revoke(token);
      const user = currentUser(c);
      audit.record({ actor: actorOf(user), action: 'auth.logout', target: `user:${user.username}`, ip: requestIp(c) });
      return c.body(null, 204);
    },
  );
  return app;
}
