import type { Scoped } from '../../communes/scope.js';
import { newId } from '@smart-commune/shared';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/database.js';
import { conflict, notFound } from '../../http/errors.js';
import type { User } from '../../users/user-store.js';
import { unknownScope } from './push-scope.js';
import { eligibleKinds, pushKinds, type PushKind, type PushPreferences, type QuietHours } from './preferences.js';
import type { PushSubscriptionsTable } from '../../db/query/tables.js';

/** One browser on one device that may receive this person's pushes (a PushSubscription). */
export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  /** "Chrome trên Android": which device this is, for the person's list. */
  label: string;
  createdAt: number;
  lastSuccessAt: number | null;
  lastError: string | null;
}

export interface NewPushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string;
}

type SubscriptionRow = PushSubscriptionsTable;

const toRecord = (row: SubscriptionRow): PushSubscriptionRecord => ({
  id: row.id,
  userId: row.user_id,
  endpoint: row.endpoint,
  p256dh: row.p256dh,
  auth: row.auth,
  label: row.label,
  createdAt: row.created_at,
  lastSuccessAt: row.last_success_at,
  lastError: row.last_error,
});

/** A person rarely has more than a phone and a PC or two; a cap keeps one account from fanning out without end. */
export const MAX_DEVICES_PER_PERSON = 10;

/** Staff members' push subscriptions and what each wants to be told. */
export class SubscriptionStore {
  /** The statements of every send, prepared once (preparing costs about as much as running them). */
  private readonly hot: { get: Statement; owner: Statement; recipient: Statement; success: Statement };

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.hot = {
      get: db.prepare('SELECT * FROM push_subscriptions WHERE id = ?'),
      owner: db.prepare('SELECT u.id, u.role, u.commune_code AS communeCode FROM push_subscriptions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND u.disabled = 0'),
      recipient: db.prepare(
        'SELECT u.role, u.commune_code, s.id AS sub_id FROM push_subscriptions s JOIN users u ON u.id = s.user_id WHERE u.id = ? AND u.disabled = 0 ORDER BY s.created_at, s.id',
      ),
      // a burst to one device writes its row once a minute, not once a push
      success: db.prepare(
        'UPDATE push_subscriptions SET last_success_at = @now, last_error = NULL WHERE id = @id AND (last_success_at IS NULL OR last_success_at < @now - 60000 OR last_error IS NOT NULL)',
      ),
    };
  }

  /**
   * Stores this device for `userId`. The same endpoint again (the page subscribing once more, or the
   * browser now used by someone else who logged in) is updated and moves to `userId`: a device
   * receives one person's pushes.
   */
  subscribe(userId: string, input: NewPushSubscription): { subscription: PushSubscriptionRecord; created: boolean } {
    return this.db.transaction(() => {
      const known = this.db.prepare('SELECT * FROM push_subscriptions WHERE endpoint = ?').get(input.endpoint) as SubscriptionRow | undefined;
      if (known) {
        this.db
          .prepare('UPDATE push_subscriptions SET user_id = ?, p256dh = ?, auth = ?, label = ?, last_error = NULL WHERE id = ?')
          .run(userId, input.p256dh, input.auth, input.label, known.id);
        return { subscription: this.get(known.id)!, created: false };
      }
      const count = (this.db.prepare('SELECT COUNT(*) AS n FROM push_subscriptions WHERE user_id = ?').get(userId) as { n: number }).n;
      if (count >= MAX_DEVICES_PER_PERSON) throw conflict(`you already receive notifications on ${MAX_DEVICES_PER_PERSON} devices: remove one first`);
      const id = newId('psub');
      this.db
        .prepare('INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, userId, input.endpoint, input.p256dh, input.auth, input.label, this.now());
      return { subscription: this.get(id)!, created: true };
    })();
  }

  get(id: string): PushSubscriptionRecord | null {
    const row = this.hot.get.get(id) as SubscriptionRow | undefined;
    return row ? toRecord(row) : null;
  }

  listFor(userId: string): PushSubscriptionRecord[] {
    return (this.db.prepare('SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id').all(userId) as SubscriptionRow[]).map(toRecord);
  }

  /** The person's own device; another person's is "not found" (its existence is nobody else's business). */
  remove(userId: string, id: string): void {
    const changes = this.db.prepare('DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?').run(id, userId).changes;
    if (changes === 0) throw notFound(`push subscription ${id}`);
  }

  /** The push service said the subscription is gone (404/410): it will never deliver again. */
  drop(id: string): void {
    this.db.prepare('DELETE FROM push_subscriptions WHERE id = ?').run(id);
  }

  recordSuccess(id: string): void {
    this.hot.success.run({ now: this.now(), id });
  }

  recordError(id: string, reason: string): void {
    this.db.prepare('UPDATE push_subscriptions SET last_error = ? WHERE id = ?').run(reason.slice(0, 300), id);
  }

  /** People who have at least one device and an account that is not disabled, with their subscription ids. */
  recipients(): { user: Pick<User, 'id' | 'role' | 'communeCode'>; subscriptionIds: string[] }[] {
    const rows = this.db
      .prepare(
        `SELECT u.id AS user_id, u.role, u.commune_code, s.id AS sub_id FROM push_subscriptions s JOIN users u ON u.id = s.user_id
         WHERE u.disabled = 0 ORDER BY u.id, s.created_at, s.id`,
      )
      .all() as { user_id: string; role: User['role']; commune_code: string | null; sub_id: string }[];
    const byUser = new Map<string, { user: Pick<User, 'id' | 'role' | 'communeCode'>; subscriptionIds: string[] }>();
    for (const row of rows) {
      let entry = byUser.get(row.user_id);
      if (!entry) byUser.set(row.user_id, (entry = { user: { id: row.user_id, role: row.role, communeCode: row.commune_code }, subscriptionIds: [] }));
      entry.subscriptionIds.push(row.sub_id);
    }
    return [...byUser.values()];
  }

  /** Whose device this is, if that account is not disabled. */
  /**
   * One person's enabled devices, as `recipients()` lists them (null when none or the account is
   * disabled): a cooldown summary is for one person, and scanning every subscription for each of
   * a burst's thousands of summaries held the event loop for seconds.
   */
  recipient(userId: string): { user: Pick<User, 'id' | 'role' | 'communeCode'>; subscriptionIds: string[] } | null {
    const rows = this.hot.recipient.all(userId) as { role: User['role']; commune_code: string | null; sub_id: string }[];
    if (rows.length === 0) return null;
    return { user: { id: userId, role: rows[0]!.role, communeCode: rows[0]!.commune_code }, subscriptionIds: rows.map((r) => r.sub_id) };
  }

  owner(subscriptionId: string): Pick<User, 'id' | 'role' | 'communeCode'> | null {
    const row = this.hot.owner.get(subscriptionId) as Pick<User, 'id' | 'role' | 'communeCode'> | undefined;
    return row ?? null;
  }

  /** The person's choices; until they choose, every kind their role makes theirs and no quiet hours. */
  preferences(user: Pick<User, 'id' | 'role'>): PushPreferences {
    const row = this.db.prepare('SELECT * FROM push_preferences WHERE user_id = ?').get(user.id) as
      | { kinds: string; quiet_start: string | null; quiet_end: string | null; hamlets: string; cameras: string }
      | undefined;
    const eligible = eligibleKinds(user);
    if (!row) return { kinds: eligible, quietHours: null, hamlets: [], cameras: [] };
    const chosen = new Set(JSON.parse(row.kinds) as string[]);
    // a kind the role no longer has is not sent even if it was once chosen
    return {
      kinds: eligible.filter((kind) => chosen.has(kind)),
      quietHours: row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : null,
      hamlets: JSON.parse(row.hamlets) as string[],
      cameras: JSON.parse(row.cameras) as string[],
    };
  }

  /**
   * The chosen hamlets and cameras that do not exist, each named (for a 400); for a commune's person
   * another commune's hamlet or camera is unknown the same way (nobody is told of what is not theirs).
   */
  unknownScope(hamlets: readonly string[], cameras: readonly string[], person: Scoped): { path: string; message: string }[] {
    return unknownScope(this.db, hamlets, cameras, person.communeCode);
  }

  /**
   * Stores the person's choices. Hamlets and cameras left out keep what was stored (a client that
   * only knows kinds and quiet hours does not widen anyone's scope); the caller has checked they exist.
   */
  setPreferences(
    user: Pick<User, 'id' | 'role'>,
    prefs: { kinds: PushKind[]; quietHours: QuietHours | null; hamlets?: string[]; cameras?: string[] },
  ): PushPreferences {
    const kinds = pushKinds.filter((kind) => prefs.kinds.includes(kind));
    const current = this.preferences(user);
    const hamlets = [...new Set(prefs.hamlets ?? current.hamlets)];
    const cameras = [...new Set(prefs.cameras ?? current.cameras)];
    this.db
      .prepare(
        `INSERT INTO push_preferences (user_id, kinds, quiet_start, quiet_end, hamlets, cameras, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET kinds = excluded.kinds, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
           hamlets = excluded.hamlets, cameras = excluded.cameras, updated_at = excluded.updated_at`,
      )
      .run(user.id, JSON.stringify(kinds), prefs.quietHours?.start ?? null, prefs.quietHours?.end ?? null, JSON.stringify(hamlets), JSON.stringify(cameras), this.now());
    return this.preferences(user);
  }
}
