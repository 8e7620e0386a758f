import { TokenBucket } from '../broker/rate-limit.js';

export interface LoginThrottleOptions {
  /** Failed logins in a row after which an account is locked. */
  maxFailures: number;
  lockoutMs: number;
  /** Failed logins each client address may make: sustained rate and burst; past it the address waits. */
  clientRatePerS: number;
  clientBurst: number;
  now: () => number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  maxFailures: 5,
  lockoutMs: 5 * 60_000,
  clientRatePerS: 1 / 6,
  clientBurst: 20,
  now: Date.now,
};

export type LoginVerdict = { allowed: true } | { allowed: false; reason: 'client_rate' | 'account_locked'; retryAfterMs: number };

/** Remembered clients and accounts at most; the oldest are forgotten first (a flood of fake names cannot fill memory). */
const MAX_TRACKED = 10_000;

interface AccountFailures {
  count: number;
  lockedUntil: number;
}

/**
 * Slows password guessing: each client address gets a token bucket of failed logins, and an
 * account is locked for a while after `maxFailures` wrong passwords in a row. Accounts are tracked
 * by the name typed, whether it exists or not, so a lockout does not reveal which names are real.
 */
export class LoginThrottle {
  private readonly clients = new Map<string, { failures: TokenBucket; blockedUntil: number }>();
  private readonly accounts = new Map<string, AccountFailures>();
  private readonly options: LoginThrottleOptions;

  constructor(options: Partial<LoginThrottleOptions> = {}) {
    this.options = { ...DEFAULT_LOGIN_THROTTLE, ...options };
  }

  /** Call before checking the password. */
  check(client: string, username: string): LoginVerdict {
    const now = this.options.now();
    const account = this.accounts.get(accountKey(username));
    if (account && account.lockedUntil > now) return { allowed: false, reason: 'account_locked', retryAfterMs: account.lockedUntil - now };
    const blockedUntil = this.clients.get(client)?.blockedUntil ?? 0;
    if (blockedUntil > now) return { allowed: false, reason: 'client_rate', retryAfterMs: blockedUntil - now };
    return { allowed: true };
  }

  /** A wrong password: returns how long the account is now locked, 0 when not (yet). */
  failed(client: string, username: string): number {
    const entry = this.clientOf(client);
    if (!entry.failures.take()) entry.blockedUntil = this.options.now() + Math.ceil(1000 / this.options.clientRatePerS);
    const key = accountKey(username);
    const now = this.options.now();
    const previous = this.accounts.get(key);
    const count = (previous && previous.lockedUntil <= now && previous.lockedUntil !== 0 ? 0 : (previous?.count ?? 0)) + 1;
    const lockedUntil = count >= this.options.maxFailures ? now + this.options.lockoutMs : 0;
    remember(this.accounts, key, { count: lockedUntil ? 0 : count, lockedUntil });
    return lockedUntil ? this.options.lockoutMs : 0;
  }

  succeeded(username: string): void {
    this.accounts.delete(accountKey(username));
  }

  private clientOf(client: string) {
    let entry = this.clients.get(client);
    if (!entry) {
      entry = { failures: new TokenBucket(this.options.clientRatePerS, this.options.clientBurst, this.options.now), blockedUntil: 0 };
      remember(this.clients, client, entry);
    }
    return entry;
  }
}

const accountKey = (username: string) => username.trim().toLowerCase();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as string);
}
