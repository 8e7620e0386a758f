import type { Registry } from 'prom-client';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudConfig } from '../../config.js';
import type { QueryDatabase } from '../../db/query/index.js';
import { can } from '../../users/permissions.js';
import type { ChannelContext, NotificationChannel, OutboxMessage, SendOutcome } from '../channel.js';
import { KIND_ACTION, pushKinds, type PushKind } from './preferences.js';
import { testMessage } from './push-messages.js';
import { payloadOf, sendPush, VapidSigner, type PushOptions } from './push-sender.js';
import { StaffRules, WEBPUSH_CHANNEL } from './staff-rules.js';
import { SubjectNames } from './subject-names.js';
import { SubscriptionStore } from './subscription-store.js';
import { loadVapidKeys, type VapidKeys } from './vapid-keys.js';
import { pushMetrics, type PushMetrics } from './push-metrics.js';

export type WebPushConfig = Pick<
  CloudConfig,
  | 'SC_DATA_DIR'
  | 'SC_PUBLIC_URL'
  | 'SC_VAPID_PUBLIC_KEY'
  | 'SC_VAPID_PRIVATE_KEY'
  | 'SC_VAPID_SUBJECT'
  | 'SC_PUSH_ALLOW_LOCAL_ENDPOINTS'
  | 'SC_NOTIFY_OFFLINE_AFTER_S'
  | 'SC_NOTIFY_ALERT_START_S'
  | 'SC_NOTIFY_DEVICE_COOLDOWN_S'
  | 'SC_NOTIFY_INCIDENT_COOLDOWN_S'
>;

export interface WebPushDeps {
  /** The query layer (SQLite or PostgreSQL): every Web Push store is on it. */
  query: QueryDatabase;
  config: WebPushConfig;
  logger: Logger;
  /** The cloud's metrics registry: sc_push_subscriptions, sc_push_devices_gone_total. */
  registry?: Registry;
  now?: () => number;
}

const DEFAULT_PUSH: PushOptions = { ttlS: 3600, urgency: 'normal' };

/** What a test notification came to on one device, for the person's page. */
export interface DeviceTestResult {
  subscriptionId: string;
  label: string;
  ok: boolean;
  reason: string | null;
}

/**
 * Staff Web Push as a notification channel: the staff rules put messages in the outbox, the outbox
 * hands each to `send`, which encrypts it for the device and posts it to the device's push service.
 * A message the outbox hands over twice (a restart mid-send) reaches the device twice at worst, and
 * the notification's tag makes the second replace the first on screen.
 */
export class WebPushChannel implements NotificationChannel {
  readonly name = WEBPUSH_CHANNEL;
  /** Pushes go to a handful of push services over HTTP/1.1: a few at once keeps the burst short without a flood of sockets. */
  readonly concurrency = 16;
  readonly subscriptions: SubscriptionStore;
  readonly vapid: VapidKeys;
  private readonly signer: VapidSigner;
  private readonly rules: StaffRules;
  private readonly logger: Logger;
  private readonly metrics: PushMetrics | null;

  constructor(deps: WebPushDeps) {
    this.logger = deps.logger;
    this.metrics = deps.registry ? pushMetrics(deps.registry, deps.query) : null;
    this.vapid = loadVapidKeys(deps.config);
    this.signer = new VapidSigner(this.vapid);
    this.subscriptions = new SubscriptionStore(deps.query, deps.now);
    const c = deps.config;
    this.rules = new StaffRules({
      query: deps.query,
      subscriptions: this.subscriptions,
      names: new SubjectNames(deps.query),
      logger: deps.logger,
      settings: {
        offlineAfterMs: c.SC_NOTIFY_OFFLINE_AFTER_S * 1000,
        alertStartMs: c.SC_NOTIFY_ALERT_START_S * 1000,
        deviceCooldownMs: c.SC_NOTIFY_DEVICE_COOLDOWN_S * 1000,
        incidentCooldownMs: c.SC_NOTIFY_INCIDENT_COOLDOWN_S * 1000,
      },
      ...(deps.now ? { now: deps.now } : {}),
    });
  }

  async start({ bus, outbox }: ChannelContext): Promise<void> {
    await this.rules.start(bus, outbox);
  }

  async stop(): Promise<void> {
    await this.rules.stop();
  }

  async send(message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const subscription = await this.subscriptions.get(message.recipient);
    if (!subscription) return { ok: false, retry: false, reason: 'the device was removed (unsubscribed, or its push service said it is gone)' };
    const kind = message.data.kind as PushKind | undefined;
    // a person whose role changed since the message was written no longer gets that kind
    const owner = await this.subscriptions.owner(subscription.id);
    if (!owner) return { ok: false, retry: false, reason: 'the account is disabled' };
    if (kind && pushKinds.includes(kind) && !can(owner, KIND_ACTION[kind])) {
      return { ok: false, retry: false, reason: 'the person may no longer receive this kind (their role changed)' };
    }
    const options = (message.data.push as PushOptions | undefined) ?? DEFAULT_PUSH;
    const outcome = await sendPush(subscription, payloadOf(message.content, kind ?? 'other', message.createdAt), options, this.signer, signal);
    await this.record(subscription.id, outcome);
    const { gone: _gone, ...result } = outcome;
    return result;
  }

  /** "Gửi thử" on the page: straight to each of the person's devices (not through the outbox), so the page can say at once what happened. */
  async sendTest(userId: string): Promise<DeviceTestResult[]> {
    const payload = payloadOf(testMessage(), 'test', Date.now());
    return Promise.all(
      (await this.subscriptions.listFor(userId)).map(async (s) => {
        const outcome = await sendPush(s, payload, { ttlS: 600, urgency: 'normal', topic: 'test' }, this.signer);
        await this.record(s.id, outcome);
        return { subscriptionId: s.id, label: s.label, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason };
      }),
    );
  }

  /**
   * The device's last success or error, for its owner's list. Never throws: the push has gone out
   * by now, and a failure here must not turn into a retry that sends it twice.
   */
  private async record(subscriptionId: string, outcome: SendOutcome & { gone?: boolean }): Promise<void> {
    try {
      if (outcome.ok) return await this.subscriptions.recordSuccess(subscriptionId);
      if (outcome.gone) {
        this.logger.info({ subscriptionId, reason: outcome.reason }, 'push subscription gone: removed');
        this.metrics?.devicesGone.inc();
        return await this.subscriptions.drop(subscriptionId);
      }
      await this.subscriptions.recordError(subscriptionId, outcome.reason);
    } catch (err) {
      this.logger.error({ err, subscriptionId }, 'could not record a push subscription\'s last outcome');
    }
  }
}
