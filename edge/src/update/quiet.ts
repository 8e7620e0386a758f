import type { PlayerStatus } from '../radio/player.js';

/** How long before a planned item the loudspeakers must stay untouched: the switch takes a few seconds. */
export const QUIET_AHEAD_MS = 60_000;

/**
 * Whether the loudspeakers may go silent for a switch now: nothing playing (an emergency or a planned
 * item), nothing suspended to resume, and nothing due within `aheadMs` (times on the cloud's clock, as the
 * player's). Returns why not, or null when it is quiet.
 */
export function notQuietBecause(status: PlayerStatus, cloudNow: number, aheadMs = QUIET_AHEAD_MS): string | null {
  if (status.playing) return `"${status.playing.title}" (${status.playing.priority}) is playing`;
  const suspended = status.queued.find((q) => q.status === 'suspended');
  if (suspended) return `an interrupted item (${suspended.priority}) waits to resume`;
  const due = status.queued.find((q) => q.startAt <= cloudNow + aheadMs);
  if (due) return `an item (${due.priority}) starts in ${Math.max(0, Math.round((due.startAt - cloudNow) / 1000))} s`;
  return null;
}
