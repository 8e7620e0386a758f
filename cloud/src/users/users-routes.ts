import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { SessionStore } from '../auth/session-store.js';
import { roleSchema } from './roles.js';
import type { UserStore } from './user-store.js';

const admins = { roles: ['admin'] } as const;
const tags = ['Users'];
const password = z.string().min(8, 'must be at least 8 characters').max(200);

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('User');

const newUserSchema = z
  .object({
    username: z.string().trim().regex(/^[a-zA-Z0-9._-]{3,32}$/, 'must be 3-32 letters, digits, ".", "_" or "-"'),
    displayName: z.string().trim().min(1).max(100).optional(),
    role: roleSchema,
    password,
  })
  .openapi('NewUser');

const userPatchSchema = z
  .object({ displayName: z.string().trim().min(1).max(100), role: roleSchema, password, disabled: z.boolean() })
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
    apiRoute(guard, admins, {
      method: 'get',
      path: '/users',
      tags,
      summary: 'List users',
      responses: { 200: jsonContent(z.object({ users: z.array(userSchema) }), 'All users') },
    }),
    (c) => c.json({ users: users.list() }, 200),
  );

  app.openapi(
    apiRoute(guard, admins, {
      method: 'post',
      path: '/users',
      tags,
      summary: 'Create a user with a role',
      request: { body: jsonBody(newUserSchema) },
      responses: { 201: jsonContent(userSchema, 'The new user'), 409: jsonContent(z.object({}), 'Username taken') },
    }),
    async (c) => c.json(await users.create(c.req.valid('json')), 201),
  );

  app.openapi(
    apiRoute(guard, admins, {
      method: 'patch',
      path: '/users/{id}',
      tags,
      summary: 'Change name or role, reset the password, disable or enable',
      description: 'A password reset or disabling ends the user\'s sessions.',
      request: { params: userIdParam, body: jsonBody(userPatchSchema) },
      responses: { 200: jsonContent(userSchema, 'The changed user'), 409: jsonContent(z.object({}), 'Would leave no active admin') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const user = await users.update(id, patch);
      if (patch.password !== undefined || patch.disabled === true) sessions.revokeAllFor(id);
      return c.json(user, 200);
    },
  );

  app.openapi(
    apiRoute(guard, admins, {
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
