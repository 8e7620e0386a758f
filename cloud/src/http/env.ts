import type { User } from '../users/user-store.js';

/** Per-request values set by the access middleware. */
export type AppEnv = {
  Variables: {
    user?: User;
    /** Set when an edge box called with its own credentials. */
    edgeId?: string;
  };
};
