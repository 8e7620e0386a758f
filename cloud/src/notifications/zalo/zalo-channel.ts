import type { Logger } from '@smart-commune/shared/runtime';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Unsubscribe } from '../../events/event-bus.js';
import type { ChannelContext, NewOutboxMessage, NotificationChannel, NotificationContent, OutboxMessage, SendOutcome } from '../channel.js';
import type { ZaloApi } from './zalo-api.js';
import type { HamletRef, ZaloFollowers } from './zalo-followers.js';
import { scopeKey, type OaScope, type ZaloOaStore } from './zalo-oa-store.js';
import { alertContent, bulletinContent, messageText, type NoticeSource } from './zalo-notices.js';

export const ZALO_CHANNEL = 'zalo';
/** The recipient of a broadcast: every follower of the OA at once. */
export const BROADCAST_RECIPIENT = 'broadcast';

/**
 * An outbox recipient names its OA, because a follower's user id is that OA's own: `<user id>` or
 * `broadcast` for the province's OA (as every row was before communes had their own, so rows queued
 * then still go through the OA the migration made the province's), `<user id>@<commune code>` or
 * `broadcast@<commune code>` for a commune's.
 */
export const recipientFor = (scope: OaScope, target: string): string => (scope === null ? target : `${target}@${scope}`);

export function parseRecipient(recipient: string): { scope: OaScope; target: string } {
  const at = recipient.indexOf('@');
  return at < 0 ? { scope: null, target: recipient } : { scope: recipient.slice(at + 1), target: recipient.slice(0, at) };
}

export interface ZaloChannelOptions {
  query: QueryDatabase;
  api: ZaloApi;
  store: ZaloOaStore;
  followers: ZaloFollowers;
  /** The hamlets and their communes: a notice goes to the followers of the OAs of its hamlets' communes. */
  hamlets: () => Promise<HamletRef[]>;
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
 * The communes' Zalo Official Accounts as a notification channel. An emergency alert that starts
 * (`alert.started`) and a bulletin scheduled for the public (`bulletin.scheduled`) become, for each
 * commune of the targeted hamlets, one outbox message (of that commune) per follower subscribed to
 * one of its targeted hamlets (a consultation message, tin Tư vấn) through the OA they follow: the
 * commune's own OA, and the province's OA for those who followed it (a commune without its own OA is
 * served by the province's). Where OAs may broadcast, one broadcast article per commune goes through
 * the commune's OA if connected, else the province's. The idempotency key is event and recipient,
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
          const alert = await this.o.notices.alert(e.alertId);
          if (!alert) return this.o.logger.warn({ alertId: e.alertId }, 'alert.started for an alert not stored: nothing sent to Zalo');
          await this.enqueueFor('alert.started', e.alertId, `alert:${e.alertId}`, e.hamletCodes, alertContent(alert, e.startsAt));
        },
        'zalo',
      ),
      context.bus.subscribe(
        'bulletin.scheduled',
        async (e) => {
          const bulletin = await this.o.notices.bulletin(e.bulletinId);
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

  /** A reply through an OA to a follower who wrote to it (the webhook's confirmation); false when the channel is not running. */
  async reply(scope: OaScope, userId: string, messageId: string, text: string): Promise<boolean> {
    if (!this.context) return false;
    const recipient = recipientFor(scope, userId);
    await this.context.outbox.enqueue([
      {
        channel: this.name,
        idempotencyKey: `zalo.reply:${messageId}:${recipient}`,
        recipient,
        subject: `zalo-follower:${userId}`,
        event: 'zalo.webhook',
        content: { title: '', body: text, path: '' },
        communeCode: scope,
      },
    ]);
    return true;
  }

  async send(message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const text = messageText(message.content, this.o.publicUrl());
    const { scope, target } = parseRecipient(message.recipient);
    if (target !== BROADCAST_RECIPIENT) return this.o.api.sendText(scope, target, text, signal);
    return this.sendBroadcast(scope, message, signal);
  }

  private async enqueueFor(event: string, id: string, subject: string, hamletCodes: string[], content: NotificationContent): Promise<void> {
    if (!this.context) return;
    const byRecipient = new Map<string, NewOutboxMessage>();
    const add = (recipient: string, communeCode: string) => {
      // a province OA follower subscribed in two targeted communes: one message, of the first
      if (!byRecipient.has(recipient)) byRecipient.set(recipient, { channel: this.name, idempotencyKey: `${event}:${id}:${recipient}`, recipient, subject, event, content, communeCode });
    };
    const byCommune = await this.hamletsByCommune(hamletCodes);
    if (this.o.broadcast) {
      const connected = await this.o.store.connectedScopes();
      const known = await this.o.store.knownScopes();
      for (const commune of byCommune.keys()) add(recipientFor(this.broadcaster(commune, connected, known), BROADCAST_RECIPIENT), commune);
    } else {
      for (const [commune, codes] of byCommune) {
        for (const userId of await this.o.followers.inHamlets(commune, codes)) add(recipientFor(commune, userId), commune);
        for (const userId of await this.o.followers.inHamlets(null, codes)) add(userId, commune);
      }
    }
    // 100,000 followers: in chunks that let MQTT and HTTP be served between them
    const added = await this.context.outbox.enqueueMany([...byRecipient.values()]);
    this.o.logger.info({ event, subject, communes: [...byCommune.keys()], recipients: byRecipient.size, added, broadcast: this.o.broadcast }, 'Zalo OA messages queued');
  }

  /**
   * Whose OA broadcasts a commune's notice: its own when connected, else the province's when
   * connected; when neither is, the one that exists (its messages wait for it to be reconnected),
   * and the province's when none does (they wait, their reason saying no OA is connected).
   */
  private broadcaster(commune: string, connected: Set<string>, known: Set<string>): OaScope {
    if (connected.has(scopeKey(commune))) return commune;
    if (connected.has(scopeKey(null))) return null;
    return known.has(scopeKey(commune)) ? commune : null;
  }

  private async hamletsByCommune(hamletCodes: readonly string[]): Promise<Map<string, string[]>> {
    const communeOf = new Map((await this.o.hamlets()).map((h) => [h.code, h.communeCode]));
    const byCommune = new Map<string, string[]>();
    for (const code of hamletCodes) {
      const commune = communeOf.get(code);
      if (commune === undefined) {
        this.o.logger.warn({ hamlet: code }, 'a targeted hamlet is unknown or retired: no Zalo message for it');
        continue;
      }
      byCommune.set(commune, [...(byCommune.get(commune) ?? []), code]);
    }
    return byCommune;
  }

  /**
   * A broadcast is an article then a broadcast of it. The article's id is remembered under the
   * message's idempotency key, so a retry after a failed broadcast reuses it rather than creating
   * (and later broadcasting) a second article.
   */
  private async sendBroadcast(scope: OaScope, message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const known = await this.o.query.db.selectFrom('zalo_broadcast_articles').select('article_id').where('idempotency_key', '=', message.idempotencyKey).executeTakeFirst();
    let articleId = known?.article_id;
    if (!articleId) {
      const link = messageText({ title: '', body: '', path: message.content.path }, this.o.publicUrl()).trim();
      const created = await this.o.api.createArticle(scope, { title: message.content.title, author: 'UBND xã', description: message.content.body.slice(0, 300), text: message.content.body, link }, signal);
      if (!created.ok) return created.outcome;
      articleId = created.id;
      await this.o.query.db
        .insertInto('zalo_broadcast_articles')
        .values({ idempotency_key: message.idempotencyKey, article_id: articleId, created_at: this.now() })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return this.o.api.broadcast(scope, articleId, signal);
  }
}
