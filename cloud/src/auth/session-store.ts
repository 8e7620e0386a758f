import type { QueryDatabase } from '../db/query/index.js';
import { userFromRow, type User } from '../users/user-store.js';
import { hashSecret, randomSecret } from './secrets.js';

export interface Session {
  token: string;
  expiresAt: number;
}

/** Bearer sessions: the token is shown once and stored only as its hash. */
export class SessionStore {
  constructor(
    private readonly q: QueryDatabase,
    private readonly ttlMs: number,
  ) {}

  async create(userId: string): Promise<Session> {
    const token = randomSecret(32);
    const now = Date.now();
    const expiresAt = now + this.ttlMs;
    await this.q.db.insertInto('sessions').values({ token_hash: hashSecret(token), user_id: userId, created_at: now, expires_at: expiresAt }).execute();
    return { token, expiresAt };
  }

  /**
   * The active user behind a token, or null when the token is unknown, expired or its user
   * disabled. It runs on every request: one query on the sessions primary key joined to users.
   */
  async resolve(token: string, now = Date.now()): Promise<User | null> {
    const row = await this.q.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .where('sessions.token_hash', '=', hashSecret(token))
      .where('sessions.expires_at', '>', now)
      .where('users.disabled', '=', 0)
      .executeTakeFirst();
    return row ? userFromRow(row) : null;
  }

  async revoke(token: string): Promise<void> {
    await this.q.db.deleteFrom('sessions').where('token_hash', '=', hashSecret(token)).execute();
  }

  async revokeAllFor(userId: string): Promise<void> {
    await this.q.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  /** Ends every session of the user but the one of `keepToken` (after they changed their password); returns how many ended. */
  async revokeOthers(userId: string, keepToken: string | null): Promise<number> {
    const result = await this.q.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .$if(keepToken !== null, (qb) => qb.where('token_hash', '<>', hashSecret(keepToken!)))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.q.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
