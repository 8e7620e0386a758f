import type { AuditDigest } from '../audit/audit-digest.js';
import type { CloudMetrics } from '../metrics.js';
import type { User, UserStore } from '../users/user-store.js';
import type { GuessingReport, LoginThrottle } from './login-throttle.js';
import type { Session, SessionStore } from './session-store.js';
import { verifyPassword } from './secrets.js';

/** What login writes to the audit log (the shape of AuditLog.record). */
export interface LoginAudit {
  record(entry: { actor: string; action: string; target?: string | null; details?: Record<string, unknown> | null; ip?: string | null }): Promise<unknown>;
}

export type LoginResult =
  | { ok: true; user: User; session: Session }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'account_locked' | 'client_rate'; retryAfterMs: number };

export interface LoginAttempt {
  username: string;
  password: string;
  /** The client's address (null when unknown, e.g. `app.request()`); rate limiting keys on it. */
  ip: string | null;
  /** Where the login came from, for the audit log: `api` (bearer token) or `console` (cookie). */
  via: 'api' | 'console';
}

export type Login = (attempt: LoginAttempt) => Promise<LoginResult>;

/** Tells the admins an account looks guessed: the cloud's own finding, who guessed is in `ip`, the spread in the details. */
export async function reportGuessing(
  deps: { audit: LoginAudit; metrics: Pick<CloudMetrics, 'accountsGuessed'> },
  finding: { target: string; guessing: GuessingReport; knownAccount: boolean; ip: string | null },
): Promise<void> {
  deps.metrics.accountsGuessed.inc();
  await deps.audit.record({ actor: 'system', action: 'auth.account_guessed', target: finding.target, details: { ...finding.guessing, knownAccount: finding.knownAccount }, ip: finding.ip });
}

/** Keys of the digest: refusals for the rate of an address whatever the name, the rest per address and name. */
const digestKey = (kind: string, client: string, reason: string, username?: string) =>
  [kind, client, reason, ...(username === undefined ? [] : [username.trim().toLowerCase()])].join('\n');

/**
 * The one login procedure of the API and the console: throttled per client and per account,
 * constant work for unknown names, audited either way. Failed and refused attempts come from
 * people not logged in, so they go through the digest (one row per address, name and window, with
 * a count) and the metrics count each one.
 */
export function createLogin(deps: {
  users: UserStore;
  sessions: SessionStore;
  throttle: LoginThrottle;
  audit: LoginAudit;
  /** Writes failed and refused attempts (AuditDigest over the same audit log). */
  digest: Pick<AuditDigest, 'note'>;
  metrics: Pick<CloudMetrics, 'loginFailures' | 'loginRefused' | 'accountsGuessed'>;
}): Login {
  const { users, sessions, throttle, audit, digest, metrics } = deps;
  return async ({ username, password, ip, via }) => {
    const target = `user:${username}`;
    // the API's entries stay as they were before the console existed; the console's say so
    const origin = via === 'console' ? { via } : {};
    const client = ip ?? 'unknown';
    const verdict = await throttle.check(client, username);
    if (!verdict.allowed) {
      metrics.loginRefused.inc({ reason: verdict.reason });
      // a slowed address may try any number of names: one key for all of them
      const key = verdict.reason === 'client_rate' ? digestKey('refused', client, verdict.reason) : digestKey('refused', client, verdict.reason, username);
      await digest.note(key, { actor: 'public', action: 'auth.login_refused', target, details: { reason: verdict.reason, ...origin }, ip });
      return { ok: false, reason: verdict.reason, retryAfterMs: verdict.retryAfterMs };
    }
    const found = await users.findForLogin(username);
    // verify even for unknown users so response time does not reveal which usernames exist
    const valid = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
    if (!found || !valid || found.user.disabled) {
      const reason = !found ? 'unknown_user' : !valid ? 'wrong_password' : 'disabled';
      const { lockedForMs, guessing } = await throttle.failed(client, username);
      metrics.loginFailures.inc({ reason });
      const details = { reason, ...origin, ...(lockedForMs ? { lockedForMs } : {}) };
      await digest.note(digestKey('failed', client, reason, username), { actor: 'public', action: 'auth.login_failed', target, details, ip });
      if (guessing) await reportGuessing({ audit, metrics }, { target, guessing, knownAccount: found !== null, ip });
      return lockedForMs ? { ok: false, reason: 'account_locked', retryAfterMs: lockedForMs } : { ok: false, reason: 'invalid_credentials' };
    }
    await throttle.succeeded(client, username);
    const session = await sessions.create(found.user.id);
    await audit.record({ actor: found.user.username, action: 'auth.login', target: `user:${found.user.username}`, details: via === 'console' ? origin : null, ip });
    return { ok: true, user: found.user, session };
  };
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
