import { TokenBucket } from '../broker/rate-limit.js';

export interface LoginThrottleOptions {
  /** Failed logins in a row after which an account is locked. */
  maxFailures: number;
  lockoutMs: number;
  /** Login attempts each client address may make: sustained rate and burst. */
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
 * Slows password guessing: each client address gets a token bucket of login attempts, and an
 * account is locked for a while after `maxFailures` wrong passwords in a row. Accounts are tracked
 * by the name typed, whether it exists or not, so a lockout does not reveal which names are real.
 */
export class LoginThrottle {
  private readonly clients = new Map<string, TokenBucket>();
  private readonly accounts = new Map<string, AccountFailures>();
  private readonly options: LoginThrottleOptions;

  constructor(options: Partial<LoginThrottleOptions> = {}) {
    this.options = { ...DEFAULT_LOGIN_THROTTLE, ...options };
  }

  /** Call before checking the password; takes one attempt from the client's allowance. */
  check(client: string, username: string): LoginVerdict {
    const now = this.options.now();
    const account = this.accounts.get(accountKey(username));
    if (account && account.lockedUntil > now) return { allowed: false, reason: 'account_locked', retryAfterMs: account.lockedUntil - now };
    if (!this.bucketOf(client).take()) return { allowed: false, reason: 'client_rate', retryAfterMs: Math.ceil(1000 / this.options.clientRatePerS) };
    return { allowed: true };
  }

  /** A wrong password: returns how long the account is now locked, 0 when not (yet). */
  failed(username: string): number {
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

  private bucketOf(client: string): TokenBucket {
    let bucket = this.clients.get(client);
    if (!bucket) {
      bucket = new TokenBucket(this.options.clientRatePerS, this.options.clientBurst, this.options.now);
      remember(this.clients, client, bucket);
    }
    return bucket;
  }
}

const accountKey = (username: string) => username.trim().toLowerCase();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as string);
}
