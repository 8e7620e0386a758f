import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudConfig } from '../../config.js';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Guard } from '../../http/access.js';
import type { CloudMetrics } from '../../metrics.js';
import { FeedLedger } from './feed-ledger.js';
import type { CapReceiver } from './feed-poll.js';
import { FeedPoller } from './feed-poller.js';
import { FeedStore } from './feed-store.js';
import { createFeedsRoutes } from './feeds-routes.js';

export interface FeedsDeps {
  query: QueryDatabase;
  /** The alert service: every message goes through its rules, as a CAP alert posted by hand does. */
  receiver: CapReceiver;
  metrics: CloudMetrics;
  logger: Logger;
  config: Pick<CloudConfig, 'SC_CAP_FEED_POLL_S' | 'SC_CAP_FEED_TIMEOUT_S' | 'SC_CAP_FEED_WARN_FAILURES' | 'SC_CAP_FEED_WARN_AFTER_S'>;
}

/** A message whose speech failed is tried again after the interval, doubling, at most every ten minutes. */
const retryDelay = (pollMs: number) => (attempts: number) => Math.min(10 * 60_000, pollMs * 2 ** Math.max(0, attempts - 1));

/** CAP feeds: subscriptions, their poller, and their routes. The poller runs from start() to stop(). */
export function createFeeds(deps: FeedsDeps) {
  const { config } = deps;
  const feeds = new FeedStore(deps.query);
  const ledger = new FeedLedger(deps.query);
  const pollMs = config.SC_CAP_FEED_POLL_S * 1000;
  const warn = { failures: config.SC_CAP_FEED_WARN_FAILURES, afterMs: config.SC_CAP_FEED_WARN_AFTER_S * 1000 };
  const now = Date.now;
  // a poller per run (start to stop): on several processes only the leader polls, and leadership may come back after it went
  let poller: FeedPoller | null = null;
  const newPoller = () =>
    new FeedPoller(
      feeds,
      { ledger, receiver: deps.receiver, metrics: deps.metrics, logger: deps.logger, timeoutMs: config.SC_CAP_FEED_TIMEOUT_S * 1000, now, retryDelayMs: retryDelay(pollMs) },
      { pollMs, warn },
    );
  return {
    feeds,
    ledger,
    start: () => {
      if (poller) return;
      poller = newPoller();
      poller.start();
    },
    stop: async () => {
      const running = poller;
      poller = null;
      await running?.stop();
    },
    // a process that does not poll leaves the change to the leader's poller, which reads the feeds every second
    routes: (guard: Guard) => createFeedsRoutes({ guard, feeds, ledger, warn, defaultPollSeconds: config.SC_CAP_FEED_POLL_S, now, changed: () => poller?.wake() }),
  };
}
