import type { Logger } from '@smart-commune/shared/runtime';
import { AuditDigest } from '../audit/audit-digest.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { LeaderGate } from '../cluster/leadership.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import type { UserStore } from '../users/user-store.js';
import { createAuthRoutes } from './auth-routes.js';
import { createLogin } from './login.js';
import { LoginThrottle } from './login-throttle.js';
import { createPasswordChange } from './password-change.js';
import { SessionStore } from './session-store.js';

export interface AuthDeps {
  query: QueryDatabase;
  config: Pick<CloudConfig, 'SC_SESSION_TTL_S'>;
  users: UserStore;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  /** The purges of what expired run on one process of several. */
  leader: LeaderGate;
  /** The citizens' report limit (reports/report-rate-limit.ts): its rows are purged with the login throttle's. */
  reportLimit: { purge(): Promise<void> };
}

export type Auth = ReturnType<typeof createAuth>;

/** Logins, sessions and password changes, with the login throttle and the digest of failed logins in the audit log. */
export function createAuth(deps: AuthDeps) {
  const { query, users, audit, metrics, logger, leader } = deps;
  const sessions = new SessionStore(query, deps.config.SC_SESSION_TTL_S * 1000);
  // failed and refused logins: one audit row per address, name and 10 minutes, with a count
  const loginDigest = new AuditDigest(audit, { windowMs: 10 * 60_000 });
  const throttle = new LoginThrottle(query); // in the database: shared by every cloud process
  const login = createLogin({ users, sessions, throttle, audit, digest: loginDigest, metrics });
  const passwordChange = createPasswordChange({ users, sessions, throttle, audit, metrics });

  const stopSessionPurge = leader.whileLeader('expired sessions purge', () => {
    const timer = setInterval(() => void sessions.purgeExpired().catch((err: unknown) => logger.warn({ err }, 'purging expired sessions failed')), 3600_000);
    timer.unref();
    return () => clearInterval(timer);
  });
  // rows of the shared login throttle and report limit that hold nothing back any more (idempotent; on the leader so it runs once)
  const stopLimitsPurge = leader.whileLeader('expired login and report limits purge', () => {
    const timer = setInterval(
      () => void Promise.all([throttle.purge(), deps.reportLimit.purge()]).catch((err: unknown) => logger.warn({ err }, 'purging expired login and report limits failed')),
      5 * 60_000,
    );
    timer.unref();
    return () => clearInterval(timer);
  });

  return {
    sessions,
    login,
    passwordChange,
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createAuthRoutes({ guard, login, passwordChange, sessions, audit }) }];
    },
    /** After the HTTP server closed (no login comes any more): the digest's counts are written before the database closes. */
    async stop(): Promise<void> {
      await stopSessionPurge();
      await stopLimitsPurge();
      await loginDigest.stop();
    },
  };
}
