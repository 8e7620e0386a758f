import type { Db } from '../db/database.js';
import { ApiError, gone } from '../http/errors.js';
import { hashSecret, randomSecret } from '../auth/secrets.js';

export interface IssuedClaimToken {
  token: string;
  edgeId: string;
  expiresAt: number;
}

interface ClaimTokenRow {
  edge_id: string;
  expires_at: number;
  used_at: number | null;
}

/** One-time claim tokens: 256 random bits, shown once, stored hashed, single use, expiring. */
export class ClaimTokens {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {}

  issue(edgeId: string, createdBy: string | null, ttlMs = this.ttlMs): IssuedClaimToken {
    const token = randomSecret(32);
    const now = Date.now();
    const expiresAt = now + ttlMs;
    this.db
      .prepare('INSERT INTO claim_tokens (token_hash, edge_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(hashSecret(token), edgeId, createdBy, now, expiresAt);
    return { token, edgeId, expiresAt };
  }

  /** Marks the token used and returns its edge id; refuses unknown, used and expired tokens with a clear reason. */
  consume(token: string): string {
    const hash = hashSecret(token);
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT edge_id, expires_at, used_at FROM claim_tokens WHERE token_hash = ?').get(hash) as
        | ClaimTokenRow
        | undefined;
      if (!row) throw new ApiError(401, 'claim_token_invalid', 'this claim token is not valid: check it was typed in full');
      if (row.used_at !== null) throw gone('this claim token was already used: ask for a new one in the console');
      if (row.expires_at <= Date.now()) throw gone('this claim token has expired: ask for a new one in the console');
      this.db.prepare('UPDATE claim_tokens SET used_at = ? WHERE token_hash = ?').run(Date.now(), hash);
      return row.edge_id;
    })();
  }

  /** Unused tokens of an edge stop working (on revoke). */
  invalidateFor(edgeId: string): void {
    this.db.prepare('UPDATE claim_tokens SET expires_at = MIN(expires_at, ?) WHERE edge_id = ? AND used_at IS NULL').run(Date.now(), edgeId);
  }
}
