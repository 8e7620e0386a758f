import type { QueryDatabase } from '../db/query/index.js';
import { hashSecret, randomSecret, secretMatches } from '../auth/secrets.js';

/**
 * Each edge box's own secret (MQTT password and HTTP Basic password, username = edge id).
 * During a rotation the new secret waits as "pending"; both work until the box first uses the new
 * one, so a lost acknowledgement can never lock a box out. On the query layer: every write is one
 * statement, and the promotion of a pending secret is conditional (a second promotion finds none).
 */
export class DeviceCredentials {
  constructor(private readonly q: QueryDatabase) {}

  async isActive(edgeId: string): Promise<boolean> {
    const row = await this.q.db.selectFrom('edges').select('id').where('id', '=', edgeId).where('status', '=', 'active').executeTakeFirst();
    return row !== undefined;
  }

  /** Activates the edge with a fresh secret, replacing any earlier one. */
  async issue(edgeId: string, hostname: string | null): Promise<string> {
    const secret = randomSecret(32);
    const now = Date.now();
    await this.q.db
      .updateTable('edges')
      .set((eb) => ({
        status: 'active',
        secret_hash: hashSecret(secret),
        pending_secret_hash: null,
        claimed_at: now,
        hostname: eb.fn.coalesce(eb.val(hostname), eb.ref('hostname')),
        updated_at: now,
      }))
      .where('id', '=', edgeId)
      .execute();
    return secret;
  }

  /** The edge id when the pair is a valid credential of an active edge. */
  async verify(username: string, password: string): Promise<string | null> {
    const row = await this.q.db
      .selectFrom('edges')
      .select(['status', 'secret_hash', 'pending_secret_hash'])
      .where('id', '=', username)
      .executeTakeFirst();
    if (!row || row.status !== 'active') return null;
    if (secretMatches(password, row.secret_hash)) return username;
    if (secretMatches(password, row.pending_secret_hash)) {
      await this.promotePending(username);
      return username;
    }
    return null;
  }

  async stagePending(edgeId: string): Promise<string> {
    const secret = randomSecret(32);
    await this.q.db.updateTable('edges').set({ pending_secret_hash: hashSecret(secret), updated_at: Date.now() }).where('id', '=', edgeId).execute();
    return secret;
  }

  async promotePending(edgeId: string): Promise<void> {
    await this.q.db
      .updateTable('edges')
      .set((eb) => ({ secret_hash: eb.ref('pending_secret_hash'), pending_secret_hash: null, updated_at: Date.now() }))
      .where('id', '=', edgeId)
      .where('pending_secret_hash', 'is not', null)
      .execute();
  }

  async revoke(edgeId: string): Promise<void> {
    await this.q.db
      .updateTable('edges')
      .set({ status: 'revoked', secret_hash: null, pending_secret_hash: null, updated_at: Date.now() })
      .where('id', '=', edgeId)
      .execute();
  }
}
