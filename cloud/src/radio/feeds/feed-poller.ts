import { Backoff } from '@smart-commune/shared/runtime';
import { feedHealth, type FeedWarnRule } from './feed-health.js';
import { pollFeed, type FeedPollDeps } from './feed-poll.js';
import type { CapFeed, FeedStore } from './feed-store.js';

/** However long a feed has failed, it is asked again at least this often (unless it polls less often anyway). */
const MAX_BACKOFF_MS = 10 * 60_000;
/** The poller looks at the feeds at least this often, to see ones added, changed or removed. */
const MAX_TICK_MS = 1000;

export interface FeedPollerOptions {
  /** The interval of feeds that set none (SC_CAP_FEED_POLL_S). */
  pollMs: number;
  warn: FeedWarnRule;
}

interface FeedSchedule {
  intervalMs: number;
  backoff: Backoff;
  nextAt: number;
  /** The operators were warned that it is down (logged once per outage). */
  warned: boolean;
}

/**
 * Polls every enabled feed at its interval, one poll per feed at a time; after a failure the next
 * poll waits longer (exponential, with jitter, up to ten minutes). A feed that fails for the
 * configured number of polls or time is logged as down once, and counted in sc_cap_feeds_down.
 */
export class FeedPoller {
  private readonly schedules = new Map<string, FeedSchedule>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The tick reading the feeds now; a wake meanwhile runs one more after it (never two at once: a feed would launch twice). */
  private ticking: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly feeds: FeedStore,
    private readonly deps: FeedPollDeps,
    private readonly options: FeedPollerOptions,
  ) {}

  start(): void {
    this.tick();
  }

  /** Polls at once any feed that was added or enabled, rather than at the next tick. */
  wake(): void {
    if (this.stopped) return;
    this.tick();
  }

  /** Stops polling; a poll in progress is aborted and awaited (its messages stay queued for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.ticking;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private intervalOf(feed: CapFeed): number {
    return feed.pollEverySeconds !== null ? feed.pollEverySeconds * 1000 : this.options.pollMs;
  }

  private tick(): void {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.runTick().finally(() => {
      this.ticking = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.tick();
      }
    });
  }

  private async runTick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      const enabled = (await this.feeds.list()).filter((f) => f.enabled);
      if (this.stopped) return;
      const now = this.deps.now();
      const ids = new Set(enabled.map((f) => f.id));
      for (const id of this.schedules.keys()) if (!ids.has(id)) this.schedules.delete(id);
      for (const feed of enabled) {
        const schedule = this.scheduleOf(feed);
        if (schedule.nextAt <= now && !this.inFlight.has(feed.id)) this.launch(feed, schedule);
      }
      this.deps.metrics.capFeedsDown.set(enabled.filter((f) => feedHealth(f, this.options.warn, now) === 'down').length);
    } catch (err) {
      this.deps.logger.error({ err }, 'CAP feed poller tick failed');
    }
    if (this.stopped) return;
    // wake for the next feed due, and at least every second to see feeds added, changed or removed
    const waiting = [...this.schedules.entries()].filter(([id]) => !this.inFlight.has(id)).map(([, s]) => s.nextAt);
    const delay = Math.max(0, Math.min(MAX_TICK_MS, ...waiting.map((at) => at - this.deps.now())));
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private scheduleOf(feed: CapFeed): FeedSchedule {
    const intervalMs = this.intervalOf(feed);
    const known = this.schedules.get(feed.id);
    if (known && known.intervalMs === intervalMs) return known;
    const schedule: FeedSchedule = {
      intervalMs,
      backoff: new Backoff({ initialMs: intervalMs, maxMs: Math.max(intervalMs, MAX_BACKOFF_MS), jitter: 0.2 }),
      // a feed met for the first time (new, enabled, or after a restart) is polled at once
      nextAt: known ? Math.min(known.nextAt, this.deps.now() + intervalMs) : 0,
      warned: known?.warned ?? false,
    };
    this.schedules.set(feed.id, schedule);
    return schedule;
  }

  private launch(feed: CapFeed, schedule: FeedSchedule): void {
    const run = this.pollOnce(feed, schedule).finally(() => {
      this.inFlight.delete(feed.id);
      if (!this.stopped) this.tick(); // its next poll is now scheduled: time the wake-up for it
    });
    this.inFlight.set(feed.id, run);
  }

  private async pollOnce(feed: CapFeed, schedule: FeedSchedule): Promise<void> {
    const { logger } = this.deps;
    const startedAt = this.deps.now();
    try {
      const result = await pollFeed(feed, this.deps, this.abort.signal);
      if (this.stopped) return; // aborted by stop(): not the feed's fault
      const at = this.deps.now();
      if (result.ok) {
        await this.feeds.pollSucceeded(feed.id, at, result.validators);
        schedule.backoff.reset();
        // at a steady rate: the time spent taking messages in does not delay the next poll
        schedule.nextAt = startedAt + schedule.intervalMs;
        if (schedule.warned) logger.info({ feedId: feed.id, name: feed.name, url: feed.url }, 'CAP feed answers again');
        schedule.warned = false;
        return;
      }
      const now = await this.feeds.pollFailed(feed.id, at, result.error);
      schedule.nextAt = at + schedule.backoff.next();
      logger.debug({ feedId: feed.id, error: result.error }, 'CAP feed poll failed');
      if (now && !schedule.warned && feedHealth(now, this.options.warn, at) === 'down') {
        schedule.warned = true;
        logger.warn(
          { feedId: feed.id, name: feed.name, url: feed.url, consecutiveFailures: now.consecutiveFailures, failingSince: now.failingSince, error: result.error },
          'CAP feed is not answering: alerts from it are not being received',
        );
      }
    } catch (err) {
      schedule.nextAt = this.deps.now() + schedule.backoff.next();
      logger.error({ err, feedId: feed.id }, 'CAP feed poll crashed');
    }
  }
}
