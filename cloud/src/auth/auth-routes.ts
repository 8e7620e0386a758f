import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, sessionTokenOf, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { weakPasswordError } from '../users/password-policy.js';
import { passwordSchema, userSchema } from '../users/users-routes.js';
import type { SessionStore } from './session-store.js';
import type { Login } from './login.js';
import type { PasswordChange } from './password-change.js';

const credentialsSchema = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) })
  .openapi('Credentials');

const tokenSchema = z
  .object({
    token: z.string(),
    expiresAt: z.number(),
    user: userSchema,
    mustChangePassword: z.boolean().openapi({ description: 'An admin set the password: until it is changed (POST /auth/password) every other route answers 403 password_change_required' }),
  })
  .openapi('AccessToken');

const passwordChangeSchema = z
  .object({ currentPassword: z.string().min(1).max(200), newPassword: passwordSchema })
  .openapi('PasswordChange');

export interface AuthRoutesDeps {
  guard: Guard;
  login: Login;
  passwordChange: PasswordChange;
  sessions: SessionStore;
  audit: AuditLog;
}

/** Username and password in, bearer token out (throttled like the console's login); log out; change one's own password. */
export function createAuthRoutes({ guard, login, passwordChange, sessions, audit }: AuthRoutesDeps) {
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
      if (result.ok) return c.json({ token: result.session.token, expiresAt: result.session.expiresAt, user: result.user, mustChangePassword: result.user.mustChangePassword }, 200);
      if (result.reason === 'invalid_credentials') throw new ApiError(401, 'invalid_credentials', 'wrong username or password, or the account is disabled');
      c.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
      if (result.reason === 'account_locked') throw new ApiError(429, 'account_locked', `too many wrong passwords from this address: it may try this account again in ${Math.ceil(result.retryAfterMs / 60_000)} minutes`);
      throw new ApiError(429, 'too_many_logins', `too many login attempts from this address: wait ${Math.ceil(result.retryAfterMs / 1000)} seconds`);
    },
  );
  app.openapi(
    apiRoute(guard, 'account.self', {
      method: 'delete',
      path: '/auth/token',
      tags: ['Auth'],
      summary: 'Log out: the bearer token of this request stops working',
      responses: { 204: { description: 'Logged out' } },
    }),
    async (c) => {
      const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (token) await sessions.revoke(token);
      const user = currentUser(c);
      await audit.record({ actor: actorOf(user), action: 'auth.logout', target: `user:${user.username}`, ip: requestIp(c) });
      return c.body(null, 204);
    },
  );
  app.openapi(
    apiRoute(guard, 'account.self', {
      method: 'post',
      path: '/auth/password',
      tags: ['Auth'],
      summary: 'Change your own password',
      description: 'The current password must be right; the new one must differ and not be common or trivially weak. Ends your other sessions; the one of this request stays.',
      request: { body: jsonBody(passwordChangeSchema) },
      responses: {
        204: { description: 'Changed' },
        403: jsonContent(z.object({}), 'The current password is wrong (current_password_wrong)'),
        429: jsonContent(z.object({}), 'Too many wrong passwords from this address (Retry-After says how long)'),
      },
    }),
    async (c) => {
      const { currentPassword, newPassword } = c.req.valid('json');
      const result = await passwordChange({ user: currentUser(c), currentPassword, newPassword, ip: requestIp(c), keepToken: sessionTokenOf(c), via: 'api' });
      if (result.ok) return c.body(null, 204);
      switch (result.reason) {
        case 'wrong_current':
          throw new ApiError(403, 'current_password_wrong', 'Mật khẩu hiện tại không đúng. / The current password is wrong.', [{ path: 'currentPassword', message: 'wrong password' }]);
        case 'throttled':
          c.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
          throw new ApiError(429, 'too_many_logins', `too many wrong passwords from this address: wait ${Math.ceil(result.retryAfterMs / 1000)} seconds`);
        case 'same':
          throw new ApiError(400, 'same_password', 'Mật khẩu mới phải khác mật khẩu hiện tại. / The new password must differ from the current one.', [{ path: 'newPassword', message: 'same as the current password' }]);
        case 'weak':
          throw weakPasswordError(result.weakness, 'newPassword');
      }
    },
  );
  return app;
}
