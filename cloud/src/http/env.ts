import type { User } from '../users/user-store.js';
import type { BodyAllowance } from './body-limit.js';
import type { TrustedProxies } from './trusted-proxies.js';

/** Per-request values set by the access middleware. */
export type AppEnv = {
  Variables: {
    user?: User;
    /** Set when an edge box called with its own credentials. */
    edgeId?: string;
    /** How much of the body may still be read; an upload route raises it past its guard (body-limit.ts). */
    bodyAllowance?: BodyAllowance;
    /** SC_TRUSTED_PROXIES, set for every request: requestIp() believes X-Forwarded-For only from these. */
    trustedProxies?: TrustedProxies;
  };
};
