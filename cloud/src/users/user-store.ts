import { newId } from '@smart-commune/shared';
import { sql, type ExpressionBuilder, type Selectable, type Transaction } from 'kysely';
import type { QueryDatabase } from '../db/query/index.js';
import { eqNoCase, fromDbBool, toDbBool } from '../db/query/index.js';
import type { Database, UsersTable } from '../db/query/tables.js';
import { conflict, notFound } from '../http/errors.js';
import { hashPassword } from '../auth/secrets.js';
import type { Role } from './roles.js';
import type { Scoped } from '../communes/scope.js';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** The commune this person belongs to; null for a province-level person (issue 10). */
  communeCode: string | null;
  disabled: boolean;
  /** The password was set by an admin: the person must choose their own before doing anything else. */
  mustChangePassword: boolean;
  createdAt: number;
  updatedAt: number;
}

type UserRow = Selectable<UsersTable>;

/** A users row as the API's User (the session check reads the row joined to its session). */
export const userFromRow = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  role: row.role as Role,
  communeCode: row.commune_code,
  disabled: fromDbBool(row.disabled),
  mustChangePassword: fromDbBool(row.must_change_password),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A unique violation on either database (SQLite's message, PostgreSQL's SQLSTATE 23505). */
const isUniqueViolation = (err: unknown) => String(err).includes('UNIQUE') || (err as { code?: unknown } | null)?.code === '23505';

export interface NewUser {
  username: string;
  displayName?: string;
  role: Role;
  /** The person's commune; omitted or null: province-level. */
  communeCode?: string | null;
  password: string;
  mustChangePassword?: boolean;
}

export interface UserPatch {
  displayName?: string;
  role?: Role;
  /** Move the person to this commune, or make them province-level (null). */
  communeCode?: string | null;
  password?: string;
  disabled?: boolean;
  mustChangePassword?: boolean;
}

/** People who use the console and the API, with scrypt-hashed passwords. */
export class UserStore {
  constructor(private readonly q: QueryDatabase) {}

  async count(): Promise<number> {
    const row = await this.q.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Everyone, or the people a person may manage: a commune's people only their commune's. */
  async list(person?: Scoped): Promise<User[]> {
    let query = this.q.db.selectFrom('users').selectAll();
    // a commune's people never see province-level people (provinceItems: false)
    if (person && person.communeCode !== null) query = query.where('commune_code', '=', person.communeCode);
    return (await query.orderBy('username').execute()).map(userFromRow);
  }

  async get(id: string): Promise<User> {
    const row = await this.q.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`user ${id}`);
    return userFromRow(row);
  }

  /** The person with this id, or null (for a caller to whom a missing person is no error). */
  async find(id: string): Promise<User | null> {
    const row = await this.q.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? userFromRow(row) : null;
  }

  /** The user and their password hash, for login. Usernames compare ignoring case, as the unique index does. */
  async findForLogin(username: string): Promise<{ user: User; passwordHash: string } | null> {
    const row = await this.q.db.selectFrom('users').selectAll().where(eqNoCase(this.q.dialect, sql.ref('username'), username)).executeTakeFirst();
    return row ? { user: userFromRow(row), passwordHash: row.password_hash } : null;
  }

  async create(input: NewUser): Promise<User> {
    const now = Date.now();
    const id = newId('usr');
    const hash = await hashPassword(input.password);
    try {
      await this.q.db
        .insertInto('users')
        .values({
          id,
          username: input.username,
          display_name: input.displayName ?? input.username,
          role: input.role,
          commune_code: input.communeCode ?? null,
          password_hash: hash,
          must_change_password: toDbBool(input.mustChangePassword ?? false),
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`username "${input.username}" is already taken`);
      throw err;
    }
    return this.get(id);
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    await this.get(id);
    const hash = patch.password === undefined ? null : await hashPassword(patch.password);
    // moving the province's admin into a commune takes the province away from them too
    const demotes = (patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true || (patch.communeCode !== undefined && patch.communeCode !== null);
    const written = await this.q.db.transaction().execute(async (trx) => {
      if (demotes) await lockActiveAdmins(trx);
      return trx
        .updateTable('users')
        .set({
          ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
          ...(patch.role !== undefined ? { role: patch.role } : {}),
          ...(patch.communeCode !== undefined ? { commune_code: patch.communeCode } : {}),
          ...(hash !== null ? { password_hash: hash } : {}),
          ...(patch.disabled !== undefined ? { disabled: toDbBool(patch.disabled) } : {}),
          ...(patch.mustChangePassword !== undefined ? { must_change_password: toDbBool(patch.mustChangePassword) } : {}),
          updated_at: Date.now(),
        })
        .where('id', '=', id)
        .$if(demotes, (qb) => qb.where((eb) => keepsAnAdmin(eb, id)))
        .returningAll()
        .executeTakeFirst();
    });
    if (written) return userFromRow(written);
    await this.get(id); // gone meanwhile: 404
    throw lastAdmin();
  }

  async delete(id: string): Promise<void> {
    const deleted = await this.q.db.transaction().execute(async (trx) => {
      await lockActiveAdmins(trx);
      return trx.deleteFrom('users').where('id', '=', id).where((eb) => keepsAnAdmin(eb, id)).returning('id').executeTakeFirst();
    });
    if (deleted) return;
    await this.get(id); // unknown: 404
    throw lastAdmin();
  }
}

/**
 * The province keeps an active province-level admin: only they shape the province and can set a
 * commune's admin right again. A commune's admin may go; the province's admin can appoint another.
 * The condition is part of the UPDATE/DELETE itself, so two processes demoting the last two admins
 * at once cannot both pass a check made before either wrote.
 */
const lastAdmin = () => conflict('the last active admin cannot be removed, disabled or demoted');

type UsersWhere = ExpressionBuilder<Database, 'users'>;

/**
 * Takes the write lock on the active province admins' rows (a no-op UPDATE, the same SQL on both
 * databases): on PostgreSQL under READ COMMITTED two transactions demoting the last two admins
 * would otherwise each see the other still active (write skew); the second now waits for the
 * first to commit and its conditional write then sees the outcome. SQLite has one writer anyway.
 */
async function lockActiveAdmins(trx: Transaction<Database>): Promise<void> {
  await trx
    .updateTable('users')
    .set((eb) => ({ role: eb.ref('users.role') }))
    .where('role', '=', 'admin')
    .where('commune_code', 'is', null)
    .where('disabled', '=', 0)
    .execute();
}

/** The row may go (or be demoted): it is not an active province admin, or another one remains. */
const keepsAnAdmin = (eb: UsersWhere, id: string) => eb.or([eb.not(isActiveProvinceAdmin(eb)), anotherActiveAdmin(eb, id)]);

const isActiveProvinceAdmin = (eb: UsersWhere) =>
  eb.and([eb('users.role', '=', 'admin'), eb('users.commune_code', 'is', null), eb('users.disabled', '=', 0)]);

const anotherActiveAdmin = (eb: UsersWhere, id: string) =>
  eb.exists(
    eb
      .selectFrom('users as other')
      .select(eb.lit(1).as('one'))
      .where('other.role', '=', 'admin')
      .where('other.commune_code', 'is', null)
      .where('other.disabled', '=', 0)
      .where('other.id', '<>', id),
  );
