import { OpenAPIHono, z } from '@hono/zod-openapi';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { SessionStore } from '../auth/session-store.js';
import { assertStrongPassword } from './password-policy.js';
import { roleSchema } from './roles.js';
import type { UserStore } from './user-store.js';

const tags = ['Users'];
/** At least 8 characters; common and trivially weak passwords are refused after (password-policy.ts). */
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(200);
const mustChangePassword = z.boolean().openapi({
  description: 'The person must choose their own password at the next login (default true when an admin sets a password, except their own).',
});

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: roleSchema,
    communeCode: z.string().nullable().openapi({ description: "The person's commune; null for a province-level person" }),
    disabled: z.boolean(),
    mustChangePassword: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('User');

const newUserSchema = z
  .object({
    username: z.string().trim().regex(/^[a-zA-Z0-9._-]{3,32}$/, 'must be 3-32 letters, digits, ".", "_" or "-"'),
    displayName: z.string().trim().min(1).max(100).optional(),
    role: roleSchema,
    password: passwordSchema,
    mustChangePassword: mustChangePassword.optional(),
  })
  .openapi('NewUser');

const userPatchSchema = z
  .object({ displayName: z.string().trim().min(1).max(100), role: roleSchema, password: passwordSchema, disabled: z.boolean(), mustChangePassword })
  .partial()
  .openapi('UserPatch');

const userIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });

export interface UsersRoutesDeps {
  guard: Guard;
  users: UserStore;
  sessions: SessionStore;
}

/** Admins manage the people who use the system: create with a role, reset passwords, disable, delete. */
export function createUsersRoutes({ guard, users, sessions }: UsersRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'users.manage', {
      method: 'get',
      path: '/users',
      tags,
      summary: 'List users',
      responses: { 200: jsonContent(z.object({ users: z.array(userSchema) }), 'All users') },
    }),
    (c) => c.json({ users: users.list() }, 200),
  );

  app.openapi(
    apiRoute(guard, 'users.manage', {
      method: 'post',
      path: '/users',
      tags,
      summary: 'Create a user with a role',
      description: 'A common or trivially weak password is refused (400 weak_password). The person must change it at the first login unless `mustChangePassword` is false.',
      request: { body: jsonBody(newUserSchema) },
      responses: { 201: jsonContent(userSchema, 'The new user'), 409: jsonContent(z.object({}), 'Username taken') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      assertStrongPassword(body.password, body.username);
      return c.json(await users.create({ ...body, mustChangePassword: body.mustChangePassword ?? true }), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'users.manage', {
      method: 'patch',
      path: '/users/{id}',
      tags,
      summary: 'Change name or role, reset the password, disable or enable',
      description:
        "A password reset or disabling ends the user's sessions. A reset password must be changed by its owner at the next login (unless `mustChangePassword` is false, or admins reset their own).",
      request: { params: userIdParam, body: jsonBody(userPatchSchema) },
      responses: { 200: jsonContent(userSchema, 'The changed user'), 409: jsonContent(z.object({}), 'Would leave no active admin') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      if (patch.password !== undefined) {
        assertStrongPassword(patch.password, users.get(id).username);
        // a password only this admin knows now: its owner must replace it, unless it is the admin's own
        patch.mustChangePassword ??= id !== currentUser(c).id;
      }
      const user = await users.update(id, patch);
      if (patch.password !== undefined || patch.disabled === true) sessions.revokeAllFor(id);
      return c.json(user, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'users.manage', {
      method: 'delete',
      path: '/users/{id}',
      tags,
      summary: 'Delete a user',
      request: { params: userIdParam },
      responses: { 204: { description: 'Deleted' }, 409: jsonContent(z.object({}), 'Would leave no active admin') },
    }),
    (c) => {
      users.delete(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return app;
}
