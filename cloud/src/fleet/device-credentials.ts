import type { QueryDatabase } from '../db/query/index.js';
import { hashSecret, randomSecret, secretMatches } from '../auth/secrets.js';
import type { SecretBox } from '../secrets/secret-box.js';

/** An active box as an external broker's account needs it: its secret when the cloud can read it back. */
export interface BoxAccount {
  edgeId: string;
  /** The box's current secret, null when it was issued before secrets were sealed (or unsealing failed). */
  secret: string | null;
}

/**
 * Each edge box's own secret (MQTT password and HTTP Basic password, username = edge id).
 * During a rotation the new secret waits as "pending"; both work until the box first uses the new
 * one, so a lost acknowledgement can never lock a box out. On the query layer: every write is one
 * statement, and the promotion of a pending secret is conditional (a second promotion finds none).
 *
 * With a `sealer` each secret is also stored sealed (SecretBox, SC_SECRET_KEY), so an external
 * Mosquitto's account the broker lost can be created again with the secret the box holds
 * (broker/mosquitto/). The cloud passes its SecretBox with the embedded broker too: a commune that
 * moves to Mosquitto later then finds its boxes' secrets instead of claiming every box again.
 * Without one (store tests) nothing reversible is kept.
 */
export class DeviceCredentials {
  constructor(
    private readonly q: QueryDatabase,
    private readonly sealer?: SecretBox,
  ) {}

  private seal(secret: string): string | null {
    return this.sealer ? this.sealer.seal(secret) : null;
  }

  /** Every active box with its secret (unsealed) when the cloud has it. */
  async activeAccounts(): Promise<BoxAccount[]> {
    const rows = await this.q.db.selectFrom('edges').select(['id', 'secret_sealed']).where('status', '=', 'active').orderBy('id').execute();
    return rows.map((r) => ({ edgeId: r.id, secret: this.unseal(r.secret_sealed) }));
  }

  /** One active box's current secret when the cloud has it sealed; null otherwise. */
  async secretOf(edgeId: string): Promise<string | null> {
    const row = await this.q.db.selectFrom('edges').select('secret_sealed').where('id', '=', edgeId).where('status', '=', 'active').executeTakeFirst();
    return this.unseal(row?.secret_sealed ?? null);
  }

  private unseal(sealed: string | null): string | null {
    if (!sealed || !this.sealer) return null;
    try {
      return this.sealer.open(sealed);
    } catch {
      return null; // sealed with a key no longer configured: the box is rotated like one never sealed
    }
  }

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
        secret_sealed: this.seal(secret),
        pending_secret_sealed: null,
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
    await this.q.db.updateTable('edges').set({ pending_secret_hash: hashSecret(secret), pending_secret_sealed: this.seal(secret), updated_at: Date.now() }).where('id', '=', edgeId).execute();
    return secret;
  }

  async promotePending(edgeId: string): Promise<void> {
    await this.q.db
      .updateTable('edges')
      .set((eb) => ({
        secret_hash: eb.ref('pending_secret_hash'),
        pending_secret_hash: null,
        secret_sealed: eb.ref('pending_secret_sealed'),
        pending_secret_sealed: null,
        updated_at: Date.now(),
      }))
      .where('id', '=', edgeId)
      .where('pending_secret_hash', 'is not', null)
      .execute();
  }

  async revoke(edgeId: string): Promise<void> {
    await this.q.db
      .updateTable('edges')
      .set({ status: 'revoked', secret_hash: null, pending_secret_hash: null, secret_sealed: null, pending_secret_sealed: null, updated_at: Date.now() })
      .where('id', '=', edgeId)
      .execute();
  }
}
