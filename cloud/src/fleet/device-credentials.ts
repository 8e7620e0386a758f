import type { Db } from '../db/database.js';
import { hashSecret, randomSecret, secretMatches } from '../auth/secrets.js';

interface CredentialRow {
  status: string;
  secret_hash: string | null;
  pending_secret_hash: string | null;
}

/**
 * Each edge box's own secret (MQTT password and HTTP Basic password, username = edge id).
 * During a rotation the new secret waits as "pending"; both work until the box first uses the new
 * one, so a lost acknowledgement can never lock a box out.
 */
export class DeviceCredentials {
  private readonly activeQuery;
  private readonly credentialQuery;

  constructor(private readonly db: Db) {
    this.activeQuery = db.prepare("SELECT 1 FROM edges WHERE id = ? AND status = 'active'").pluck();
    this.credentialQuery = db.prepare('SELECT status, secret_hash, pending_secret_hash FROM edges WHERE id = ?');
  }

  isActive(edgeId: string): boolean {
    return this.activeQuery.get(edgeId) !== undefined;
  }

  /** Activates the edge with a fresh secret, replacing any earlier one. */
  issue(edgeId: string, hostname: string | null): string {
    const secret = randomSecret(32);
    this.db
      .prepare(
        `UPDATE edges SET status = 'active', secret_hash = ?, pending_secret_hash = NULL,
           claimed_at = ?, hostname = COALESCE(?, hostname), updated_at = ? WHERE id = ?`,
      )
      .run(hashSecret(secret), Date.now(), hostname, Date.now(), edgeId);
    return secret;
  }

  /** The edge id when the pair is a valid credential of an active edge. */
  verify(username: string, password: string): string | null {
    const row = this.credentialQuery.get(username) as
      | CredentialRow
      | undefined;
    if (!row || row.status !== 'active') return null;
    if (secretMatches(password, row.secret_hash)) return username;
    if (secretMatches(password, row.pending_secret_hash)) {
      this.promotePending(username);
      return username;
    }
    return null;
  }

  stagePending(edgeId: string): string {
    const secret = randomSecret(32);
    this.db.prepare('UPDATE edges SET pending_secret_hash = ?, updated_at = ? WHERE id = ?').run(hashSecret(secret), Date.now(), edgeId);
    return secret;
  }

  promotePending(edgeId: string): void {
    this.db
      .prepare(
        `UPDATE edges SET secret_hash = pending_secret_hash, pending_secret_hash = NULL, updated_at = ?
         WHERE id = ? AND pending_secret_hash IS NOT NULL`,
      )
      .run(Date.now(), edgeId);
  }

  revoke(edgeId: string): void {
    this.db
      .prepare("UPDATE edges SET status = 'revoked', secret_hash = NULL, pending_secret_hash = NULL, updated_at = ? WHERE id = ?")
      .run(Date.now(), edgeId);
  }
}
