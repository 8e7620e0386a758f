import type { CloudMetrics } from '../metrics.js';
import { passwordWeakness, type Weakness } from '../users/password-policy.js';
import type { User, UserStore } from '../users/user-store.js';
import { reportGuessing, type LoginAudit } from './login.js';
import type { LoginThrottle } from './login-throttle.js';
import { verifyPassword } from './secrets.js';
import type { SessionStore } from './session-store.js';

export interface PasswordChangeRequest {
  user: User;
  currentPassword: string;
  newPassword: string;
  ip: string | null;
  /** The session the change is made from: it stays, the person's other sessions end. */
  keepToken: string | null;
  via: 'api' | 'console';
}

export type PasswordChangeResult =
  | { ok: true }
  | { ok: false; reason: 'wrong_current' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number }
  | { ok: false; reason: 'same' }
  | { ok: false; reason: 'weak'; weakness: Weakness };

export type PasswordChange = (request: PasswordChangeRequest) => Promise<PasswordChangeResult>;

/**
 * A person changes their own password: the current one must be right (wrong ones count like wrong
 * logins from that address, so a stolen session cannot guess it), the new one must differ and not
 * be weak. Clears the admin's "must change", ends the person's other sessions, and is audited.
 */
export function createPasswordChange(deps: {
  users: UserStore;
  sessions: SessionStore;
  throttle: LoginThrottle;
  audit: LoginAudit;
  metrics: Pick<CloudMetrics, 'accountsGuessed'>;
}): PasswordChange {
  const { users, sessions, throttle, audit } = deps;
  return async ({ user, currentPassword, newPassword, ip, keepToken, via }) => {
    const client = ip ?? 'unknown';
    const target = `user:${user.username}`;
    const verdict = await throttle.check(client, user.username);
    if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs };
    const found = await users.findForLogin(user.username);
    if (!found || !(await verifyPassword(currentPassword, found.passwordHash))) {
      const { lockedForMs, guessing } = await throttle.failed(client, user.username);
      // a person logged in, held back by the throttle: one row per attempt stays bounded
      await audit.record({ actor: user.username, action: 'auth.password_change_failed', target, details: { reason: 'wrong_current_password', via, ...(lockedForMs ? { lockedForMs } : {}) }, ip });
      if (guessing) await reportGuessing(deps, { target, guessing, knownAccount: true, ip });
      return lockedForMs ? { ok: false, reason: 'throttled', retryAfterMs: lockedForMs } : { ok: false, reason: 'wrong_current' };
    }
    await throttle.succeeded(client, user.username);
    if (newPassword === currentPassword) return { ok: false, reason: 'same' };
    const weakness = passwordWeakness(newPassword, user.username);
    if (weakness) return { ok: false, reason: 'weak', weakness };
    await users.update(user.id, { password: newPassword, mustChangePassword: false });
    const endedSessions = await sessions.revokeOthers(user.id, keepToken);
    await audit.record({ actor: user.username, action: 'auth.password_change', target, details: { via, wasRequired: user.mustChangePassword, endedSessions }, ip });
    return { ok: true };
  };
}
