import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../../db/database.js';
import type { Unsubscribe } from '../../events/event-bus.js';
import type { ChannelContext, NewOutboxMessage, NotificationChannel, NotificationContent, OutboxMessage, SendOutcome } from '../channel.js';
import type { ZaloApi } from './zalo-api.js';
import type { ZaloFollowers } from './zalo-followers.js';
import { alertContent, bulletinContent, messageText, type NoticeSource } from './zalo-notices.js';

export const ZALO_CHANNEL = 'zalo';
/** The recipient of a broadcast: every follower of the OA at once. */
export const BROADCAST_RECIPIENT = 'broadcast';

export interface ZaloChannelOptions {
  db: Db;
  api: ZaloApi;
  followers: ZaloFollowers;
  notices: NoticeSource;
  logger: Logger;
  /** The public base URL the links in messages start with. */
  publicUrl: () => string;
  /** One broadcast article per event instead of a message to each subscribed follower (needs Zalo's broadcast permission). */
  broadcast: boolean;
  concurrency: number;
  now?: () => number;
}

/**
 * The commune's Zalo Official Account as a notification channel. An emergency alert that starts
 * (`alert.started`) and a bulletin scheduled for the public (`bulletin.scheduled`) become one
 * outbox message per follower subscribed to a targeted hamlet (a consultation message, tin Tư vấn),
 * or one broadcast article where the OA may broadcast. The idempotency key is event and follower,
 * so an event handled twice (a restart, a second schedule of the same bulletin) sends nothing twice.
 */
export class ZaloChannel implements NotificationChannel {
  readonly name = ZALO_CHANNEL;
  readonly concurrency: number;
  private context: ChannelContext | null = null;
  private unsubscribes: Unsubscribe[] = [];
  private readonly now: () => number;

  constructor(private readonly o: ZaloChannelOptions) {
    this.concurrency = o.concurrency;
    this.now = o.now ?? Date.now;
  }

  async start(context: ChannelContext): Promise<void> {
    this.context = context;
    this.unsubscribes = [
      context.bus.subscribe(
        'alert.started',
        async (e) => {
          const alert = this.o.notices.alert(e.alertId);
          if (!alert) return this.o.logger.warn({ alertId: e.alertId }, 'alert.started for an alert not stored: nothing sent to Zalo');
          await this.enqueueFor('alert.started', e.alertId, `alert:${e.alertId}`, e.hamletCodes, alertContent(alert, e.startsAt));
        },
        'zalo',
      ),
      context.bus.subscribe(
        'bulletin.scheduled',
        async (e) => {
          const bulletin = this.o.notices.bulletin(e.bulletinId);
          if (!bulletin) return this.o.logger.warn({ bulletinId: e.bulletinId }, 'bulletin.scheduled for a bulletin not stored: nothing sent to Zalo');
          await this.enqueueFor('bulletin.scheduled', e.bulletinId, `bulletin:${e.bulletinId}`, e.hamletCodes, bulletinContent(bulletin, e.bulletinId, e.firstStartAt));
        },
        'zalo',
      ),
    ];
  }

  async stop(): Promise<void> {
    const unsubscribes = this.unsubscribes;
    this.unsubscribes = [];
    await Promise.all(unsubscribes.map((u) => u()));
    this.context = null;
  }

  /** A reply to a follower who wrote to the OA (the webhook's confirmation); false when the channel is not running. */
  reply(userId: string, messageId: string, text: string): boolean {
    if (!this.context) return false;
    this.context.outbox.enqueue([
      {
        channel: this.name,
        idempotencyKey: `zalo.reply:${messageId}:${userId}`,
        recipient: userId,
        subject: `zalo-follower:${userId}`,
        event: 'zalo.webhook',
        content: { title: '', body: text, path: '' },
      },
    ]);
    return true;
  }

  async send(message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const text = messageText(message.content, this.o.publicUrl());
    if (message.recipient !== BROADCAST_RECIPIENT) return this.o.api.sendText(message.recipient, text, signal);
    return this.sendBroadcast(message, signal);
  }

  private async enqueueFor(event: string, id: string, subject: string, hamletCodes: string[], content: NotificationContent): Promise<void> {
    if (!this.context) return;
    const message = (recipient: string): NewOutboxMessage => ({ channel: this.name, idempotencyKey: `${event}:${id}:${recipient}`, recipient, subject, event, content });
    const recipients = this.o.broadcast ? [BROADCAST_RECIPIENT] : this.o.followers.inHamlets(hamletCodes);
    // 100,000 followers: in chunks that let MQTT and HTTP be served between them
    const added = await this.context.outbox.enqueueMany(recipients.map(message));
    this.o.logger.info({ event, subject, recipients: recipients.length, added, broadcast: this.o.broadcast }, 'Zalo OA messages queued');
  }

  /**
   * A broadcast is an article then a broadcast of it. The article's id is remembered under the
   * message's idempotency key, so a retry after a failed broadcast reuses it rather than creating
   * (and later broadcasting) a second article.
   */
  private async sendBroadcast(message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const known = this.o.db.prepare('SELECT article_id FROM zalo_broadcast_articles WHERE idempotency_key = ?').get(message.idempotencyKey) as { article_id: string } | undefined;
    let articleId = known?.article_id;
    if (!articleId) {
      const link = messageText({ title: '', body: '', path: message.content.path }, this.o.publicUrl()).trim();
      const created = await this.o.api.createArticle({ title: message.content.title, author: 'UBND xã', description: message.content.body.slice(0, 300), text: message.content.body, link }, signal);
      if (!created.ok) return created.outcome;
      articleId = created.id;
      this.o.db.prepare('INSERT OR IGNORE INTO zalo_broadcast_articles (idempotency_key, article_id, created_at) VALUES (?, ?, ?)').run(message.idempotencyKey, articleId, this.now());
    }
    return this.o.api.broadcast(articleId, signal);
  }
}
