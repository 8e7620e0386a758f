import { bigintValue, least, type QueryDatabase } from '../db/query/index.js';
import { consumeClaimToken } from '../db/query/fleet-queries.js';
import { ApiError, gone } from '../http/errors.js';
import { hashSecret, randomSecret } from '../auth/secrets.js';

export interface IssuedClaimToken {
  token: string;
  edgeId: string;
  expiresAt: number;
}

/**
 * One-time claim tokens: 256 random bits, shown once, stored hashed, single use, expiring. On the
 * query layer: consuming one is a single conditional update (fleet-queries.ts), so of two boxes
 * claiming with one token at once, on SQLite or on PostgreSQL with several cloud processes, exactly
 * one wins.
 */
export class ClaimTokens {
  constructor(
    private readonly q: QueryDatabase,
    private readonly ttlMs: number,
  ) {}

  async issue(edgeId: string, createdBy: string | null, ttlMs = this.ttlMs): Promise<IssuedClaimToken> {
    const token = randomSecret(32);
    const now = Date.now();
    const expiresAt = now + ttlMs;
    await this.q.db.insertInto('claim_tokens').values({ token_hash: hashSecret(token), edge_id: edgeId, created_by: createdBy, created_at: now, expires_at: expiresAt }).execute();
    return { token, edgeId, expiresAt };
  }

  /** Marks the token used and returns its edge id; refuses unknown, used and expired tokens with a clear reason. */
  async consume(token: string): Promise<string> {
    const outcome = await consumeClaimToken(this.q, hashSecret(token));
    if (outcome.ok) return outcome.edgeId;
    if (outcome.reason === 'unknown') throw new ApiError(401, 'claim_token_invalid', 'this claim token is not valid: check it was typed in full');
    if (outcome.reason === 'used') throw gone('this claim token was already used: ask for a new one in the console');
    throw gone('this claim token has expired: ask for a new one in the console');
  }

  /** Unused tokens of an edge stop working (on revoke). */
  async invalidateFor(edgeId: string): Promise<void> {
    const { db, dialect } = this.q;
    await db
      .updateTable('claim_tokens')
      .set((eb) => ({ expires_at: least(dialect, eb.ref('expires_at'), bigintValue(dialect, Date.now())) }))
      .where('edge_id', '=', edgeId)
      .where('used_at', 'is', null)
      .execute();
  }
}
