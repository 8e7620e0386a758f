import type { PlayerStatus } from '../radio/player.js';
/** How long before a planned item the loudspeakers must stay untouched: the switch takes a few seconds. */
export declare const QUIET_AHEAD_MS = 60000;
/**
 * Whether the loudspeakers may go silent for a switch now: nothing playing (an emergency or a planned
 * item), nothing suspended to resume, and nothing due within `aheadMs` (times on the cloud's clock, as the
 * player's). Returns why not, or null when it is quiet.
 */
export declare function notQuietBecause(status: PlayerStatus, cloudNow: number, aheadMs?: number): string | null;
//# sourceMappingURL=quiet.d.ts.map