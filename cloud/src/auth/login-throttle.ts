import { TokenBucket } from '../broker/rate-limit.js';

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

/** Remembered clients, (account, address) pairs and accounts at most; the oldest are forgotten first (a flood of fake names cannot fill memory). */
const MAX_TRACKED = 10_000;
/** Distinct addresses remembered per account and window: enough to see a spread, bounded. */
const MAX_ADDRESSES_PER_ACCOUNT = 64;

interface PairFailures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

interface AccountWindow {
  since: number;
  failures: number;
  addresses: Set<string>;
  reported: boolean;
}

/**
 * Slows password guessing without letting a guesser lock the real person out. Each client address
 * gets a token bucket of failed logins; each (account, address) pair is locked after `maxFailures`
 * wrong passwords, for a wait that doubles with every further one, so the account stays usable from
 * every address that has not failed. Accounts are tracked by the name typed, whether it exists or
 * not, so a lockout does not reveal which names are real. An account that fails from several
 * addresses, or gets an address locked out, is reported once per window for the admins.
 */
export class LoginThrottle {
  private readonly clients = new Map<string, { failures: TokenBucket; blockedUntil: number }>();
  private readonly pairs = new Map<string, PairFailures>();
  private readonly accounts = new Map<string, AccountWindow>();
  private readonly options: LoginThrottleOptions;

  constructor(options: Partial<LoginThrottleOptions> = {}) {
    this.options = { ...DEFAULT_LOGIN_THROTTLE, ...options };
  }

  /** Call before checking the password. */
  check(client: string, username: string): LoginVerdict {
    const now = this.options.now();
    const pair = this.pairs.get(pairKey(client, username));
    if (pair && pair.lockedUntil > now) return { allowed: false, reason: 'account_locked', retryAfterMs: pair.lockedUntil - now };
    const blockedUntil = this.clients.get(client)?.blockedUntil ?? 0;
    if (blockedUntil > now) return { allowed: false, reason: 'client_rate', retryAfterMs: blockedUntil - now };
    return { allowed: true };
  }

  /** A wrong password from `client` for `username`. */
  failed(client: string, username: string): FailureOutcome {
    const now = this.options.now();
    const entry = this.clientOf(client);
    if (!entry.failures.take()) entry.blockedUntil = now + Math.ceil(1000 / this.options.clientRatePerS);

    const key = pairKey(client, username);
    const previous = this.pairs.get(key);
    const count = (previous && now - previous.lastAt <= this.options.forgetAfterMs ? previous.count : 0) + 1;
    const beyond = count - this.options.maxFailures;
    const lockedForMs = beyond < 0 ? 0 : Math.min(this.options.maxLockoutMs, this.options.lockoutMs * 2 ** Math.min(beyond, 30));
    remember(this.pairs, key, { count, lastAt: now, lockedUntil: lockedForMs ? now + lockedForMs : 0 });
    return { lockedForMs, guessing: this.noteAccountFailure(client, username, now, beyond === 0) };
  }

  /** The right password from `client`: that address starts afresh (others keep their locks). */
  succeeded(client: string, username: string): void {
    this.pairs.delete(pairKey(client, username));
  }

  private noteAccountFailure(client: string, username: string, now: number, lockedOut: boolean): GuessingReport | null {
    const key = accountKey(username);
    let window = this.accounts.get(key);
    if (!window || now - window.since > this.options.guessWindowMs) {
      window = { since: now, failures: 0, addresses: new Set(), reported: false };
      remember(this.accounts, key, window);
    }
    window.failures += 1;
    if (window.addresses.size < MAX_ADDRESSES_PER_ACCOUNT) window.addresses.add(client);
    if (window.reported) return null;
    const spread = window.addresses.size >= this.options.guessAddresses;
    if (!spread && !lockedOut) return null;
    window.reported = true;
    return { trigger: spread ? 'addresses' : 'lockout', addresses: window.addresses.size, failures: window.failures };
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
const pairKey = (client: string, username: string) => `${client}\n${accountKey(username)}`;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as string);
}
