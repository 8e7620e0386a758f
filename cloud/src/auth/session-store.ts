import type { Db } from '../db/database.js';
import type { User, UserStore } from '../users/user-store.js';
import { hashSecret, randomSecret } from './secrets.js';

export interface Session {
  token: string;
  expiresAt: number;
}

/** Bearer sessions: the token is shown once and stored only as its hash. */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly users: UserStore,
    private readonly ttlMs: number,
  ) {}

  create(userId: string): Session {
    const token = randomSecret(32);
    const now = Date.now();
    const expiresAt = now + this.ttlMs;
    this.db
      .prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashSecret(token), userId, now, expiresAt);
    return { token, expiresAt };
  }

  /** The active user behind a token, or null when the token is unknown, expired or its user disabled. */
  resolve(token: string): User | null {
    const row = this.db
      .prepare('SELECT user_id, expires_at FROM sessions WHERE token_hash = ?')
      .get(hashSecret(token)) as { user_id: string; expires_at: number } | undefined;
    if (!row || row.expires_at <= Date.now()) return null;
    const user = this.users.get(row.user_id);
    return user.disabled ? null : user;
  }

  revoke(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashSecret(token));
  }

  revokeAllFor(userId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
  }

  /** Ends every session of the user but the one of `keepToken` (after they changed their password); returns how many ended. */
  revokeOthers(userId: string, keepToken: string | null): number {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?').run(userId, keepToken === null ? null : hashSecret(keepToken)).changes;
  }

  purgeExpired(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(Date.now()).changes;
  }
}
