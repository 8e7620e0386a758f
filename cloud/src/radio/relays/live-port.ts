import type { LiveSessionsApi } from '../live/live-types.js';

export type { LiveEndReason, LiveInput, LiveTargets, LiveSessionSpec as RelaySessionSpec, LiveSessionView as RelaySessionView } from '../live/live-types.js';

/** What relays need of the live sessions: start one (source 'relay'), stop it, follow it. */
export type RelayLiveSessions = Pick<LiveSessionsApi, 'start' | 'stop' | 'get'>;
