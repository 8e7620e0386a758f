import { OpenAPIHono, z } from '@hono/zod-openapi';
import { currentUser, type Guard } from '../http/access.js';
import { badRequest, forbidden } from '../http/errors.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { SessionStore } from '../auth/session-store.js';
import { assertStrongPassword } from './password-policy.js';
import { roleSchema, type Role } from './roles.js';
import type { User, UserStore } from './user-store.js';
import type { CommuneStore } from '../communes/commune-store.js';
import { assertSees } from '../communes/scope.js';
import { provinceRoles } from './permissions.js';

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

const communeCodeSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a commune code')
  .nullable()
  .openapi({
    description:
      "The person's commune (in service, not retired); null: province-level. A commune's admin may only name their own commune (the default for them); a province admin's default is province-level.",
  });

const newUserSchema = z
  .object({
    username: z.string().trim().regex(/^[a-zA-Z0-9._-]{3,32}$/, 'must be 3-32 letters, digits, ".", "_" or "-"'),
    displayName: z.string().trim().min(1).max(100).optional(),
    role: roleSchema,
    communeCode: communeCodeSchema.optional(),
    password: passwordSchema,
    mustChangePassword: mustChangePassword.optional(),
  })
  .openapi('NewUser');

const userPatchSchema = z
  .object({ displayName: z.string().trim().min(1).max(100), role: roleSchema, communeCode: communeCodeSchema, password: passwordSchema, disabled: z.boolean(), mustChangePassword })
  .partial()
  .openapi('UserPatch');

const userIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });

export interface UsersRoutesDeps {
  guard: Guard;
  users: UserStore;
  sessions: SessionStore;
  communes: CommuneStore;
}

/**
 * Where `admin` may put a person: their own commune for a commune's admin (never the province,
 * never another commune, which answers as if it did not exist); any commune in service, or the
 * province for a role the province has, for the province's admin.
 */
async function placeFor(admin: User, requested: string | null | undefined, role: Role, communes: CommuneStore): Promise<string | null> {
  if (admin.communeCode !== null) {
    if (requested === null) throw forbidden("a commune's admin cannot make a province-level person: ask the province's admin");
    if (requested !== undefined && requested !== admin.communeCode) throw badRequest(`communeCode: no commune "${requested}"`, [{ path: 'communeCode', message: `no commune "${requested}"` }]);
    return admin.communeCode;
  }
  if (requested === undefined || requested === null) {
    if (!provinceRoles.includes(role)) throw badRequest(`communeCode: a ${role} belongs to a commune`, [{ path: 'communeCode', message: 'required for this role' }]);
    return null;
  }
  await communes.assertActive(requested);
  return requested;
}

/** Admins manage the people who use the system: create with a role, reset passwords, disable, delete. */
export function createUsersRoutes({ guard, users, sessions, communes }: UsersRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  /** The person `id` as the admin asking may manage them: another commune's person is no one (404). */
  const managed = async (admin: User, id: string) => {
    const user = await users.get(id);
    assertSees(admin, user.communeCode, `user ${id}`, { provinceItems: false });
    return user;
  };

  app.openapi(
    apiRoute(guard, 'users.manage', {
      method: 'get',
      path: '/users',
      tags,
      summary: 'List users',
      description: "A commune's admin lists their commune's people; the province's admin everyone.",
      responses: { 200: jsonContent(z.object({ users: z.array(userSchema) }), 'The users the admin manages') },
    }),
    async (c) => c.json({ users: await users.list(currentUser(c)) }, 200),
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
      const communeCode = await placeFor(currentUser(c), body.communeCode, body.role, communes);
      assertStrongPassword(body.password, body.username);
      return c.json(await users.create({ ...body, communeCode, mustChangePassword: body.mustChangePassword ?? true }), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'users.manage', {
      method: 'patch',
      path: '/users/{id}',
      tags,
      summary: 'Change name, role or commune, reset the password, disable or enable',
      description:
        "A password reset or disabling ends the user's sessions. A reset password must be changed by its owner at the next login (unless `mustChangePassword` is false, or admins reset their own). A new role or commune applies to the person's open sessions at once. Another commune's person answers 404 to a commune's admin.",
      request: { params: userIdParam, body: jsonBody(userPatchSchema) },
      responses: { 200: jsonContent(userSchema, 'The changed user'), 409: jsonContent(z.object({}), 'Would leave no active admin') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const admin = currentUser(c);
      const target = await managed(admin, id);
      if (patch.communeCode !== undefined || patch.role !== undefined) {
        // a role the province lacks needs a commune: checked against where the person ends up
        const requested = patch.communeCode === undefined ? target.communeCode : patch.communeCode;
        if (patch.communeCode !== undefined || requested === null) patch.communeCode = await placeFor(admin, requested, patch.role ?? target.role, communes);
      }
      if (patch.password !== undefined) {
        assertStrongPassword(patch.password, target.username);
        // a password only this admin knows now: its owner must replace it, unless it is the admin's own
        patch.mustChangePassword ??= id !== currentUser(c).id;
      }
      const user = await users.update(id, patch);
      if (patch.password !== undefined || patch.disabled === true) await sessions.revokeAllFor(id);
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
    async (c) => {
      const { id } = c.req.valid('param');
      await managed(currentUser(c), id);
      await users.delete(id);
      return c.body(null, 204);
    },
  );

  return app;
}
