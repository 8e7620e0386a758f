import type { Scoped } from '../../communes/scope.js';
import { newId } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';
import { fromExcluded } from '../../db/query/dialect.js';
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
interface PreferencesRow {
  kinds: string;
  quiet_start: string | null;
  quiet_end: string | null;
  hamlets: string;
  cameras: string;
}
type Owner = Pick<User, 'id' | 'role' | 'communeCode'>;

/** A person with devices, their devices and what they chose: what one event's fan-out reads, in one query. */
export interface PushAudienceMember {
  user: Owner;
  subscriptionIds: string[];
  preferences: PushPreferences;
}

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

/** The person's choices as stored (none: every kind their role makes theirs, no quiet hours, the whole commune). */
function toPreferences(user: Pick<User, 'id' | 'role'>, row: PreferencesRow | null): PushPreferences {
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

/** A person rarely has more than a phone and a PC or two; a cap keeps one account from fanning out without end. */
export const MAX_DEVICES_PER_PERSON = 10;

/**
 * Staff members' push subscriptions and what each wants to be told, on the query layer (SQLite or
 * PostgreSQL). Writes that two cloud processes could race are single statements: a device's
 * endpoint is UNIQUE, so two subscriptions of the same browser end up as one row whoever wins.
 */
export class SubscriptionStore {
  constructor(
    private readonly q: QueryDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores this device for `userId`. The same endpoint again (the page subscribing once more, or the
   * browser now used by someone else who logged in) is updated and moves to `userId`: a device
   * receives one person's pushes.
   */
  async subscribe(userId: string, input: NewPushSubscription): Promise<{ subscription: PushSubscriptionRecord; created: boolean }> {
    const { db } = this.q;
    // no transaction: each step is one statement, and a lost race (the same endpoint inserted by
    // another process between the update and the insert) goes round once more as an update
    for (let attempt = 0; attempt < 3; attempt++) {
      const known = await db
        .updateTable('push_subscriptions')
        .set({ user_id: userId, p256dh: input.p256dh, auth: input.auth, label: input.label, last_error: null })
        .where('endpoint', '=', input.endpoint)
        .returningAll()
        .executeTakeFirst();
      if (known) return { subscription: toRecord(known), created: false };
      // the cap is read before the insert: two devices of one person subscribing at the very same
      // moment may make it 11, which is harmless (it bounds fan-out, it is not a quota)
      const { n } = await db.selectFrom('push_subscriptions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      if (Number(n) >= MAX_DEVICES_PER_PERSON) throw conflict(`you already receive notifications on ${MAX_DEVICES_PER_PERSON} devices: remove one first`);
      const inserted = await db
        .insertInto('push_subscriptions')
        .values({ id: newId('psub'), user_id: userId, endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth, label: input.label, created_at: this.now() })
        .onConflict((oc) => oc.column('endpoint').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { subscription: toRecord(inserted), created: true };
    }
    throw new Error(`push subscription for endpoint ${input.endpoint.slice(0, 60)}… kept changing under three attempts`);
  }

  async get(id: string): Promise<PushSubscriptionRecord | null> {
    const row = await this.q.db.selectFrom('push_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async listFor(userId: string): Promise<PushSubscriptionRecord[]> {
    const rows = await this.q.db.selectFrom('push_subscriptions').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** The person's own device; another person's is "not found" (its existence is nobody else's business). */
  async remove(userId: string, id: string): Promise<void> {
    const gone = await this.q.db.deleteFrom('push_subscriptions').where('id', '=', id).where('user_id', '=', userId).returning('id').executeTakeFirst();
    if (!gone) throw notFound(`push subscription ${id}`);
  }

  /** The push service said the subscription is gone (404/410): it will never deliver again. */
  async drop(id: string): Promise<void> {
    await this.q.db.deleteFrom('push_subscriptions').where('id', '=', id).execute();
  }

  async recordSuccess(id: string): Promise<void> {
    const now = this.now();
    // a burst to one device writes its row once a minute, not once a push
    await this.q.db
      .updateTable('push_subscriptions')
      .set({ last_success_at: now, last_error: null })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', now - 60_000), eb('last_error', 'is not', null)]))
      .execute();
  }

  async recordError(id: string, reason: string): Promise<void> {
    await this.q.db.updateTable('push_subscriptions').set({ last_error: reason.slice(0, 300) }).where('id', '=', id).execute();
  }

  /** Subscriptions of people whose account is not disabled, with the person and their stored choices: one row a device. */
  private audienceQuery() {
    return this.q.db
      .selectFrom('push_subscriptions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('push_preferences as p', 'p.user_id', 'u.id')
      .select(['u.id as user_id', 'u.role', 'u.commune_code', 's.id as sub_id', 'p.kinds', 'p.quiet_start', 'p.quiet_end', 'p.hamlets', 'p.cameras'])
      .where('u.disabled', '=', 0);
  }

  private static group(rows: Awaited<ReturnType<ReturnType<SubscriptionStore['audienceQuery']>['execute']>>): PushAudienceMember[] {
    const byUser = new Map<string, PushAudienceMember>();
    for (const row of rows) {
      let entry = byUser.get(row.user_id);
      if (!entry) {
        const user = { id: row.user_id, role: row.role as User['role'], communeCode: row.commune_code };
        // kinds is NOT NULL in the table: null here means the LEFT JOIN found no stored choice
        const stored = row.kinds === null ? null : { kinds: row.kinds, quiet_start: row.quiet_start, quiet_end: row.quiet_end, hamlets: row.hamlets!, cameras: row.cameras! };
        byUser.set(row.user_id, (entry = { user, subscriptionIds: [], preferences: toPreferences(user, stored) }));
      }
      entry.subscriptionIds.push(row.sub_id);
    }
    return [...byUser.values()];
  }

  /**
   * People who have at least one device and an account that is not disabled, with their
   * subscription ids and choices: one query for a whole fan-out (a query per person held a burst to
   * a thousand staff for a thousand round trips).
   */
  async audience(): Promise<PushAudienceMember[]> {
    return SubscriptionStore.group(await this.audienceQuery().orderBy('u.id').orderBy('s.created_at').orderBy('s.id').execute());
  }

  /**
   * One person's enabled devices and choices, as `audience()` lists them (null when none or the
   * account is disabled): a cooldown summary is for one person, and scanning every subscription for
   * each of a burst's thousands of summaries held the event loop for seconds.
   */
  async recipient(userId: string): Promise<PushAudienceMember | null> {
    const rows = await this.audienceQuery().where('u.id', '=', userId).orderBy('s.created_at').orderBy('s.id').execute();
    return SubscriptionStore.group(rows)[0] ?? null;
  }

  /** Whose device this is, if that account is not disabled. */
  async owner(subscriptionId: string): Promise<Owner | null> {
    const row = await this.q.db
      .selectFrom('push_subscriptions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.role', 'u.commune_code'])
      .where('s.id', '=', subscriptionId)
      .where('u.disabled', '=', 0)
      .executeTakeFirst();
    return row ? { id: row.id, role: row.role as User['role'], communeCode: row.commune_code } : null;
  }

  /** The person's choices; until they choose, every kind their role makes theirs and no quiet hours. */
  async preferences(user: Pick<User, 'id' | 'role'>): Promise<PushPreferences> {
    const row = await this.q.db
      .selectFrom('push_preferences')
      .select(['kinds', 'quiet_start', 'quiet_end', 'hamlets', 'cameras'])
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    return toPreferences(user, row ?? null);
  }

  /**
   * The chosen hamlets and cameras that do not exist, each named (for a 400); for a commune's person
   * another commune's hamlet or camera is unknown the same way (nobody is told of what is not theirs).
   */
  unknownScope(hamlets: readonly string[], cameras: readonly string[], person: Scoped): Promise<{ path: string; message: string }[]> {
    return unknownScope(this.q, hamlets, cameras, person.communeCode);
  }

  /**
   * Stores the person's choices. Hamlets and cameras left out keep what was stored (a client that
   * only knows kinds and quiet hours does not widen anyone's scope); the caller has checked they exist.
   * One upsert: what was left out is simply not in its SET, so a concurrent change of it is kept.
   */
  async setPreferences(
    user: Pick<User, 'id' | 'role'>,
    prefs: { kinds: PushKind[]; quietHours: QuietHours | null; hamlets?: string[]; cameras?: string[] },
  ): Promise<PushPreferences> {
    const kinds = pushKinds.filter((kind) => prefs.kinds.includes(kind));
    const updated = ['kinds', 'quiet_start', 'quiet_end', 'updated_at'] as const;
    const also = [...(prefs.hamlets ? (['hamlets'] as const) : []), ...(prefs.cameras ? (['cameras'] as const) : [])];
    await this.q.db
      .insertInto('push_preferences')
      .values({
        user_id: user.id,
        kinds: JSON.stringify(kinds),
        quiet_start: prefs.quietHours?.start ?? null,
        quiet_end: prefs.quietHours?.end ?? null,
        hamlets: JSON.stringify([...new Set(prefs.hamlets ?? [])]),
        cameras: JSON.stringify([...new Set(prefs.cameras ?? [])]),
        updated_at: this.now(),
      })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(fromExcluded([...updated, ...also])))
      .execute();
    return this.preferences(user);
  }
}
