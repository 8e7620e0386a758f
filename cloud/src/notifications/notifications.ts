import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Mount } from '../http/app.js';
import { API_PREFIX } from '../http/app.js';
import type { Guard } from '../http/access.js';
import { alwaysLeader, type LeaderGate } from '../cluster/leadership.js';
import type { CloudMetrics } from '../metrics.js';
import type { NotificationChannel, OutboxWriter } from './channel.js';
import { Dispatcher, type RetryPolicy } from './dispatcher.js';
import { createNotificationsRoutes } from './notifications-routes.js';
import { OutboxStore, type SubjectCommune } from './outbox.js';
import { outboxWriter } from './outbox-writer.js';
import { subjectReach, type LoudspeakerLookup } from './reach.js';

export type NotificationsConfig = Pick<
  CloudConfig,
  | 'SC_NOTIFY_RETRY_FIRST_S'
  | 'SC_NOTIFY_RETRY_MAX_S'
  | 'SC_NOTIFY_MAX_ATTEMPTS'
  | 'SC_NOTIFY_GIVE_UP_AFTER_S'
  | 'SC_NOTIFY_SEND_TIMEOUT_S'
  | 'SC_NOTIFY_RETENTION_DAYS'
>;

export interface NotificationsDeps {
  /** The query layer (SQLite or PostgreSQL): the outbox is one of its stores. */
  query: QueryDatabase;
  /** The commune of a message's subject when its channel did not say (communes/object-commune.ts). */
  subjectCommune: SubjectCommune;
  bus: DomainEventBus;
  logger: Logger;
  metrics: CloudMetrics;
  config: NotificationsConfig;
  /** The channels, each a module with a start/stop lifecycle (channel.ts); start-notifications.ts lists them. */
  channels: readonly NotificationChannel[];
  /** Records the admins' retry-now. */
  audit?: AuditLog;
  /** The radio domain's proof of play, for "where it went" of an alert or a bulletin. */
  loudspeakers?: LoudspeakerLookup;
  /** Injectable clock and jitter (tests). */
  now?: () => number;
  random?: () => number;
  /** The purge of old messages runs on one process of several (default: this one); every process sends. */
  leader?: LeaderGate;
}

export type Notifications = ReturnType<typeof createNotifications>;

export const retryPolicy = (config: NotificationsConfig): RetryPolicy => ({
  baseDelayMs: config.SC_NOTIFY_RETRY_FIRST_S * 1000,
  maxDelayMs: Math.max(config.SC_NOTIFY_RETRY_MAX_S, config.SC_NOTIFY_RETRY_FIRST_S) * 1000,
  maxAttempts: config.SC_NOTIFY_MAX_ATTEMPTS,
  giveUpAfterMs: config.SC_NOTIFY_GIVE_UP_AFTER_S * 1000,
});

/** How often messages past their retention are deleted. */
const PURGE_EVERY_MS = 3600_000;

/**
 * The notifications domain: the outbox, its dispatcher and the channels. `start` starts each
 * channel (it subscribes to its events) and then the dispatcher; `stop` stops sending, lets the
 * sends in flight finish and be recorded, then stops the channels. Stop it before the event bus.
 */
export function createNotifications(deps: NotificationsDeps) {
  const { query, bus, logger, metrics, config, channels } = deps;
  const now = deps.now ?? Date.now;
  const store = new OutboxStore(query, deps.subjectCommune, now);
  const dispatcher = new Dispatcher({
    store,
    channels,
    policy: retryPolicy(config),
    sendTimeoutMs: config.SC_NOTIFY_SEND_TIMEOUT_S * 1000,
    logger,
    sent: metrics.notificationsSent,
    failed: metrics.notificationsFailed,
    now,
    random: deps.random,
  });
  const outbox: OutboxWriter = outboxWriter(store, () => dispatcher.wake());
  metrics.countBacklogWith(() => store.backlog());
  const started: NotificationChannel[] = [];
  let stopPurging: (() => Promise<void>) | null = null;

  const purge = async () => {
    try {
      const purged = await store.purge(now() - config.SC_NOTIFY_RETENTION_DAYS * 86_400_000);
      if (purged > 0) logger.info({ purged }, 'old notifications deleted');
    } catch (err) {
      logger.error({ err }, 'could not delete old notifications');
    }
  };

  const reach = (subject: string, communeCode?: string) => subjectReach(store, deps.loudspeakers, subject, communeCode);

  return {
    store,
    outbox,
    dispatcher,
    channels,
    reach,
    /** A channel's provider is usable again: its waiting messages go now rather than at their next backoff. */
    async resume(channel: string): Promise<number> {
      const made = await store.dueNow(channel);
      dispatcher.wake();
      return made;
    },
    routes(guard: Guard): Mount[] {
      if (!deps.audit) throw new Error('the notifications routes need the audit log (deps.audit)');
      return [{ prefix: API_PREFIX, app: createNotificationsRoutes({ guard, store, audit: deps.audit, wake: () => dispatcher.wake(), reach }) }];
    },
    async start(): Promise<void> {
      for (const channel of channels) {
        try {
          await channel.start({ bus, outbox, logger: logger.child({ channel: channel.name }) });
        } catch (err) {
          for (const other of started.splice(0).reverse()) await other.stop().catch(() => undefined);
          throw new Error(`notification channel "${channel.name}" could not start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        started.push(channel);
      }
      await dispatcher.start();
      stopPurging = (deps.leader ?? alwaysLeader).whileLeader('notification purge', () => {
        let purging = purge();
        const timer = setInterval(() => void (purging = purge()), PURGE_EVERY_MS);
        timer.unref();
        return async () => {
          clearInterval(timer);
          await purging;
        };
      });
    },
    async stop(): Promise<void> {
      await stopPurging?.();
      stopPurging = null;
      await dispatcher.stop();
      // messages their handlers still enqueue stay queued for the next start
      for (const channel of started.splice(0).reverse()) {
        try {
          await channel.stop();
        } catch (err) {
          logger.error({ err, channel: channel.name }, 'notification channel failed to stop');
        }
      }
    },
  };
}
