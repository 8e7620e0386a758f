import { newId } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import { conflict, notFound } from '../http/errors.js';
import { hashPassword } from '../auth/secrets.js';
import type { Role } from './roles.js';
import { communeClause, type Scoped } from '../communes/scope.js';

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

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  commune_code: string | null;
  password_hash: string;
  disabled: number;
  must_change_password: number;
  created_at: number;
  updated_at: number;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  role: row.role,
  communeCode: row.commune_code,
  disabled: row.disabled === 1,
  mustChangePassword: row.must_change_password === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

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

const optionalFlag = (value: boolean | undefined) => (value === undefined ? null : Number(value));

/** People who use the console and the API, with scrypt-hashed passwords. */
export class UserStore {
  constructor(private readonly db: Db) {}

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  /** Everyone, or the people a person may manage: a commune's people only their commune's. */
  list(person?: Scoped): User[] {
    const scope = person ? communeClause(person, 'commune_code', { provinceItems: false }) : { sql: '', params: [] };
    return (this.db.prepare(`SELECT * FROM users WHERE 1 = 1${scope.sql} ORDER BY username`).all(...scope.params) as UserRow[]).map(toUser);
  }

  get(id: string): User {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    if (!row) throw notFound(`user ${id}`);
    return toUser(row);
  }

  /** The user and their password hash, for login. */
  findForLogin(username: string): { user: User; passwordHash: string } | null {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  async create(input: NewUser): Promise<User> {
    const now = Date.now();
    const id = newId('usr');
    const hash = await hashPassword(input.password);
    try {
      this.db
        .prepare(
          `INSERT INTO users (id, username, display_name, role, commune_code, password_hash, must_change_password, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.username, input.displayName ?? input.username, input.role, input.communeCode ?? null, hash, Number(input.mustChangePassword ?? false), now, now);
    } catch (err) {
      if (String(err).includes('UNIQUE')) throw conflict(`username "${input.username}" is already taken`);
      throw err;
    }
    return this.get(id);
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    this.get(id);
    const hash = patch.password === undefined ? null : await hashPassword(patch.password);
    // the check and the write run together, after the slow hashing, so concurrent demotions cannot both pass
    this.db.transaction(() => this.write(id, patch, hash))();
    return this.get(id);
  }

  private write(id: string, patch: UserPatch, hash: string | null): void {
    const current = this.get(id);
    // moving the province's admin into a commune takes the province away from them too
    const demotes = (patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true || (patch.communeCode !== undefined && patch.communeCode !== null);
    if (current.role === 'admin' && current.communeCode === null && !current.disabled && demotes) this.assertAnotherActiveAdmin(id);
    const communeCode = patch.communeCode === undefined ? current.communeCode : patch.communeCode;
    this.db
      .prepare(
        `UPDATE users SET display_name = COALESCE(?, display_name), role = COALESCE(?, role), commune_code = ?,
           password_hash = COALESCE(?, password_hash), disabled = COALESCE(?, disabled),
           must_change_password = COALESCE(?, must_change_password), updated_at = ?
         WHERE id = ?`,
      )
      .run(patch.displayName ?? null, patch.role ?? null, communeCode, hash, optionalFlag(patch.disabled), optionalFlag(patch.mustChangePassword), Date.now(), id);
  }

  delete(id: string): void {
    const current = this.get(id);
    if (current.role === 'admin' && current.communeCode === null && !current.disabled) this.assertAnotherActiveAdmin(id);
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }

  /**
   * The province keeps an active province-level admin: only they shape the province and can set a
   * commune's admin right again. A commune's admin may go; the province's admin can appoint another.
   */
  private assertAnotherActiveAdmin(id: string): void {
    const others = this.db
      .prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND commune_code IS NULL AND disabled = 0 AND id <> ?")
      .get(id) as { n: number };
    if (others.n === 0) throw conflict('the last active admin cannot be removed, disabled or demoted');
  }
}
