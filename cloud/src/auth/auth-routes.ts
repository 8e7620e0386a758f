import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { UserStore } from '../users/user-store.js';
import { userSchema } from '../users/users-routes.js';
import type { SessionStore } from './session-store.js';
import { verifyPassword } from './secrets.js';

const credentialsSchema = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) })
  .openapi('Credentials');

const tokenSchema = z.object({ token: z.string(), expiresAt: z.number(), user: userSchema }).openapi('AccessToken');

export interface AuthRoutesDeps {
  guard: Guard;
  users: UserStore;
  sessions: SessionStore;
  audit: AuditLog;
}

/** Username and password in, bearer token out. */
export function createAuthRoutes({ guard, users, sessions, audit }: AuthRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, 'public', {
      method: 'post',
      path: '/auth/token',
      tags: ['Auth'],
      summary: 'Log in: exchange username and password for a bearer token',
      request: { body: jsonBody(credentialsSchema) },
      responses: { 200: jsonContent(tokenSchema, 'A bearer token for the Authorization header'), 401: jsonContent(z.object({}), 'Wrong username or password') },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      const found = users.findForLogin(username);
      // verify even for unknown users so response time does not reveal which usernames exist
      const valid = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
      if (!found || !valid || found.user.disabled) {
        const reason = !found ? 'unknown_user' : !valid ? 'wrong_password' : 'disabled';
        audit.record({ actor: 'public', action: 'auth.login_failed', target: `user:${username}`, details: { reason }, ip: requestIp(c) });
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password, or the account is disabled');
      }
      const session = sessions.create(found.user.id);
      audit.record({ actor: actorOf(found.user), action: 'auth.login', target: `user:${found.user.username}`, ip: requestIp(c) });
      return c.json({ token: session.token, expiresAt: session.expiresAt, user: found.user }, 200);
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

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
