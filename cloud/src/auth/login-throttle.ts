import { sql, type RawBuilder } from 'kysely';
import { bigintValue, greatest, type QueryDatabase } from '../db/query/index.js';

export interface LoginThrottleOptions {
  /** Wrong passwords for one account from one address after which that address must wait. */
  maxFailures: number;
  /** The first wait; each further wrong password from that address doubles it, up to `maxLockoutMs`. */
  lockoutMs: number;
  maxLockoutMs: number;
  /** An address's wrong passwords for an account are forgotten this long after the last one. */
  forgetAfterMs: number;
  /** Failed logins each client address may make: sustained rate and burst; past it the address waits. */
  clientRatePerS: number;
  clientBurst: number;
  /** Failures for one account from this many addresses within `guessWindowMs` mean it is being guessed. */
  guessAddresses: number;
  guessWindowMs: number;
  now: () => number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  maxFailures: 5,
  lockoutMs: 5 * 60_000,
  maxLockoutMs: 60 * 60_000,
  forgetAfterMs: 24 * 3600_000,
  clientRatePerS: 1 / 6,
  clientBurst: 20,
  guessAddresses: 3,
  guessWindowMs: 15 * 60_000,
  now: Date.now,
};

export type LoginVerdict = { allowed: true } | { allowed: false; reason: 'client_rate' | 'account_locked'; retryAfterMs: number };

/** Why an account is said to be guessed: an address got locked out of it, or it failed from several addresses. */
export interface GuessingReport {
  trigger: 'lockout' | 'addresses';
  /** Distinct addresses that failed within the window (counted up to MAX_ADDRESSES_PER_ACCOUNT). */
  addresses: number;
  failures: number;
}

export interface FailureOutcome {
  /** How long this address is now locked out of the account; 0 when not (yet). */
  lockedForMs: number;
  /** Set the first time in a window that the account looks guessed; null otherwise. */
  guessing: GuessingReport | null;
}

/** Distinct addresses remembered per account and window: enough to see a spread, bounded. */
const MAX_ADDRESSES_PER_ACCOUNT = 64;

/**
 * Slows password guessing without letting a guesser lock the real person out. Each client address
 * gets a token bucket of failed logins; each (account, address) pair is locked after `maxFailures`
 * wrong passwords, for a wait that doubles with every further one, so the account stays usable from
 * every address that has not failed. Accounts are tracked by the name typed, whether it exists or
 * not, so a lockout does not reveal which names are real. An account that fails from several
 * addresses, or gets an address locked out, is reported once per window for the admins.
 *
 * The counts live in the database (issue 11): every cloud process behind the load balancer counts
 * the same attempts. Each write is one statement that is right when processes race (an upsert
 * whose SET reads the row under its lock; the once-per-window report a conditional UPDATE), so two
 * racing failures get consecutive counts and exactly one of them reports. A row that says no more
 * than an absent one would is deleted by `purge`, which every process may run.
 */
export class LoginThrottle {
  private readonly options: LoginThrottleOptions;
  /** The bucket as GCRA: one failure costs `interval` ms of the bucket's "full again" time. */
  private readonly interval: number;

  constructor(
    private readonly query: QueryDatabase,
    options: Partial<LoginThrottleOptions> = {},
  ) {
    this.options = { ...DEFAULT_LOGIN_THROTTLE, ...options };
    this.interval = Math.round(1000 / this.options.clientRatePerS);
  }

  /** Call before checking the password: one read of the pair's lock and the address's block. */
  async check(client: string, username: string): Promise<LoginVerdict> {
    const now = this.options.now();
    const account = accountKey(username);
    const row = await this.query.db
      .selectNoFrom((eb) => [
        eb.selectFrom('login_pairs').select('locked_until').where('client', '=', client).where('account', '=', account).as('locked_until'),
        eb.selectFrom('login_clients').select('blocked_until').where('client', '=', client).as('blocked_until'),
      ])
      .executeTakeFirstOrThrow();
    const lockedUntil = Number(row.locked_until ?? 0);
    if (lockedUntil > now) return { allowed: false, reason: 'account_locked', retryAfterMs: lockedUntil - now };
    const blockedUntil = Number(row.blocked_until ?? 0);
    if (blockedUntil > now) return { allowed: false, reason: 'client_rate', retryAfterMs: blockedUntil - now };
    return { allowed: true };
  }

  /** A wrong password from `client` for `username`. */
  async failed(client: string, username: string): Promise<FailureOutcome> {
    const now = this.options.now();
    const account = accountKey(username);
    await this.takeClientToken(client, now);
    const pair = await this.countPairFailure(client, account, now);
    const lockedForMs = pair.locked_until > now ? pair.locked_until - now : 0;
    return { lockedForMs, guessing: await this.noteAccountFailure(client, account, now, pair.failures === this.options.maxFailures) };
  }

  /** The right password from `client`: that address starts afresh (others keep their locks). */
  async succeeded(client: string, username: string): Promise<void> {
    await this.query.db.deleteFrom('login_pairs').where('client', '=', client).where('account', '=', accountKey(username)).execute();
  }

  /** Deletes the rows that no longer hold anything back (a full bucket, a forgotten pair, an ended window). */
  async purge(): Promise<void> {
    const now = this.options.now();
    const { db } = this.query;
    await db.deleteFrom('login_clients').where('tat', '<=', now).where('blocked_until', '<=', now).execute();
    await db.deleteFrom('login_pairs').where('last_at', '<', now - this.options.forgetAfterMs).where('locked_until', '<=', now).execute();
    await db.deleteFrom('login_accounts').where('since', '<', now - this.options.guessWindowMs).execute();
    await db.deleteFrom('login_account_addresses').where('since', '<', now - this.options.guessWindowMs).execute();
  }

  /** Takes a token of the address's bucket; an empty bucket blocks the address for one interval. */
  private async takeClientToken(client: string, now: number): Promise<void> {
    const d = this.query.dialect;
    const { clientBurst, clientRatePerS } = this.options;
    const at = bigintValue(d, now);
    const start = greatest(d, sql<number>`login_clients.tat`, at);
    const fits = sql<boolean>`(${start} - ${at} <= ${bigintValue(d, Math.max(0, clientBurst - 1) * this.interval)})`;
    await this.query.db
      .insertInto('login_clients')
      .values({ client, tat: now + this.interval, blocked_until: 0 })
      .onConflict((oc) =>
        oc.column('client').doUpdateSet({
          tat: sql<number>`CASE WHEN ${fits} THEN ${start} + ${bigintValue(d, this.interval)} ELSE login_clients.tat END`,
          blocked_until: sql<number>`CASE WHEN ${fits} THEN login_clients.blocked_until ELSE ${bigintValue(d, now + Math.ceil(1000 / clientRatePerS))} END`,
        }),
      )
      .execute();
  }

  /** Counts the pair's wrong password and sets its lock, in one upsert: racing failures get consecutive counts. */
  private async countPairFailure(client: string, account: string, now: number): Promise<{ failures: number; locked_until: number }> {
    const d = this.query.dialect;
    const at = bigintValue(d, now);
    const count = sql<number>`(CASE WHEN ${at} - login_pairs.last_at <= ${bigintValue(d, this.options.forgetAfterMs)} THEN login_pairs.failures + 1 ELSE 1 END)`;
    const row = await this.query.db
      .insertInto('login_pairs')
      .values({ client, account, failures: 1, last_at: now, locked_until: this.lockedUntil(1, now) })
      .onConflict((oc) => oc.columns(['client', 'account']).doUpdateSet({ failures: count, last_at: now, locked_until: this.lockedUntilOf(count, now) }))
      .returning(['failures', 'locked_until'])
      .executeTakeFirstOrThrow();
    return { failures: Number(row.failures), locked_until: Number(row.locked_until) };
  }

  /** When the pair is locked until after its `count`th wrong password (0: not locked). */
  private lockedUntil(count: number, now: number): number {
    const beyond = count - this.options.maxFailures;
    return beyond < 0 ? 0 : now + Math.min(this.options.maxLockoutMs, this.options.lockoutMs * 2 ** Math.min(beyond, 30));
  }

  /** lockedUntil as SQL over the count the upsert computes: one WHEN per count until the longest wait is reached. */
  private lockedUntilOf(count: RawBuilder<number>, now: number): RawBuilder<number> {
    const d = this.query.dialect;
    const { maxFailures, maxLockoutMs } = this.options;
    const cases: RawBuilder<unknown>[] = [sql`WHEN ${count} < ${bigintValue(d, maxFailures)} THEN ${bigintValue(d, 0)}`];
    for (let c = maxFailures; c <= maxFailures + 30 && this.lockedUntil(c, now) < now + maxLockoutMs; c++) {
      cases.push(sql`WHEN ${count} = ${bigintValue(d, c)} THEN ${bigintValue(d, this.lockedUntil(c, now))}`);
    }
    return sql<number>`(CASE ${sql.join(cases, sql` `)} ELSE ${bigintValue(d, now + maxLockoutMs)} END)`;
  }

  /** The account's window: counted in one upsert, its address added, and reported by the one process whose UPDATE claims the report. */
  private async noteAccountFailure(client: string, account: string, now: number, lockedOut: boolean): Promise<GuessingReport | null> {
    const d = this.query.dialect;
    const { db } = this.query;
    const ended = sql<boolean>`(${bigintValue(d, now)} - login_accounts.since > ${bigintValue(d, this.options.guessWindowMs)})`;
    const window = await db
      .insertInto('login_accounts')
      .values({ account, since: now, failures: 1, reported: 0 })
      .onConflict((oc) =>
        oc.column('account').doUpdateSet({
          since: sql<number>`CASE WHEN ${ended} THEN ${bigintValue(d, now)} ELSE login_accounts.since END`,
          failures: sql<number>`CASE WHEN ${ended} THEN 1 ELSE login_accounts.failures + 1 END`,
          reported: sql<number>`CASE WHEN ${ended} THEN 0 ELSE login_accounts.reported END`,
        }),
      )
      .returning(['since', 'failures', 'reported'])
      .executeTakeFirstOrThrow();
    const since = Number(window.since);
    // added while the window holds fewer than the most remembered: a spread of addresses is bounded too
    const alreadyCounted = db
      .selectFrom('login_account_addresses')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('account', '=', account)
      .where('since', '=', since);
    await db
      .insertInto('login_account_addresses')
      .columns(['account', 'since', 'client'])
      .expression(
        db
          .selectNoFrom([sql<string>`${account}`.as('account'), bigintValue(d, since).as('since'), sql<string>`${client}`.as('client')])
          .where((eb) => eb(alreadyCounted, '<', MAX_ADDRESSES_PER_ACCOUNT)),
      )
      .onConflict((oc) => oc.columns(['account', 'since', 'client']).doNothing())
      .execute();
    if (window.reported === 1) return null;
    const counted = await db
      .selectFrom('login_account_addresses')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('account', '=', account)
      .where('since', '=', since)
      .executeTakeFirstOrThrow();
    const addresses = Math.min(MAX_ADDRESSES_PER_ACCOUNT, Number(counted.n));
    const spread = addresses >= this.options.guessAddresses;
    if (!spread && !lockedOut) return null;
    // of racing failures that each see the reason, the one whose UPDATE finds reported = 0 reports
    const claimed = await db
      .updateTable('login_accounts')
      .set({ reported: 1 })
      .where('account', '=', account)
      .where('since', '=', since)
      .where('reported', '=', 0)
      .returning('failures')
      .executeTakeFirst();
    if (!claimed) return null;
    return { trigger: spread ? 'addresses' : 'lockout', addresses, failures: Number(window.failures) };
  }
}

const accountKey = (username: string) => username.trim().toLowerCase();
