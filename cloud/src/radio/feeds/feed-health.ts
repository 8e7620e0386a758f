import type { CapFeed } from './feed-store.js';

export const feedHealths = ['disabled', 'waiting', 'ok', 'failing', 'down'] as const;
/**
 * disabled: not polled; waiting: not polled yet; ok: the last poll answered; failing: the last
 * polls failed, not yet long enough to warn; down: failing for the configured number of polls or
 * time, shown to operators as a warning.
 */
export type FeedHealth = (typeof feedHealths)[number];

export interface FeedWarnRule {
  /** This many failed polls in a row … */
  failures: number;
  /** … or failing for this long, whichever comes first. */
  afterMs: number;
}

export function feedHealth(feed: Pick<CapFeed, 'enabled' | 'lastPollAt' | 'consecutiveFailures' | 'failingSince'>, rule: FeedWarnRule, now: number): FeedHealth {
  if (!feed.enabled) return 'disabled';
  if (feed.lastPollAt === null) return 'waiting';
  if (feed.consecutiveFailures === 0) return 'ok';
  if (feed.consecutiveFailures >= rule.failures || (feed.failingSince !== null && now - feed.failingSince >= rule.afterMs)) return 'down';
  return 'failing';
}
