import type { Logger } from '@smart-commune/shared/runtime';
import type { ZaloFollowers, HamletRef } from './zalo-followers.js';
import { hamletsNamed, isUnsubscribe } from './zalo-followers.js';
import type { OaScope, ZaloConnection, ZaloOaStore } from './zalo-oa-store.js';
import { WEBHOOK_MAX_BYTES, webhookEnvelopeSchema, webhookEventSchema, webhookSignatureValid } from './zalo-wire.js';

export interface ZaloWebhookDeps {
  store: ZaloOaStore;
  followers: ZaloFollowers;
  hamlets: () => Promise<HamletRef[]>;
  /** The communes in service, to tell a citizen which commune each of two same-named hamlets is in. */
  communes: () => Promise<{ code: string; name: string }[]>;
  /** Queues a reply to the follower through the OA they wrote to (the channel's outbox); false when the channel is not running. */
  reply: (scope: OaScope, userId: string, messageId: string, text: string) => Promise<boolean>;
  logger: Logger;
}

/** What the webhook answers: the HTTP status, a short reason for logs and the stand-in's page. */
export interface WebhookResult {
  status: 200 | 400 | 401 | 413 | 503;
  outcome: string;
}

const helpText = (hamlets: HamletRef[]) =>
  `Để nhận thông báo và cảnh báo khẩn cấp của xã qua Zalo, hãy nhắn tên ấp của bạn, ví dụ "${hamlets[0]?.name ?? 'Ấp 1'}". ` +
  `Các ấp: ${hamlets.map((h) => h.name).join(', ')}. Nhắn "HỦY" để ngừng nhận.`;

/**
 * Which stored OA an event is for: those of its app id (one Zalo app may serve several communes'
 * OAs), then the one whose OA id the event names (`recipient.id` of a message, `oa_id` of a follow).
 * An OA stored without its OA id matches any event of its app, when it is the app's only one.
 */
function oaOf(candidates: ZaloConnection[], json: unknown): ZaloConnection | null {
  const e = json as { recipient?: { id?: unknown }; oa_id?: unknown };
  const named = typeof e.recipient?.id === 'string' ? e.recipient.id : typeof e.oa_id === 'string' ? e.oa_id : null;
  const exact = candidates.find((c) => c.oaId !== null && c.oaId === named);
  if (exact) return exact;
  const open = candidates.filter((c) => c.oaId === null || named === null);
  return open.length === 1 ? open[0]! : null;
}

/**
 * The OAs' webhook (one address for every commune's OA and the province's): Zalo posts an OA's
 * events here, signed (X-ZEvent-Signature) with that OA's key. A follower
 * who writes a hamlet's name or code is subscribed to that hamlet's notices and gets a
 * confirmation; "HỦY" unsubscribes; unfollowing the OA unsubscribes too. The body is bounded and
 * validated; a wrong signature is refused before anything is read from it.
 */
export async function handleZaloWebhook(deps: ZaloWebhookDeps, rawBody: string, signature: string | undefined): Promise<WebhookResult> {
  if (Buffer.byteLength(rawBody) > WEBHOOK_MAX_BYTES) return { status: 413, outcome: `body larger than ${WEBHOOK_MAX_BYTES} bytes` };
  if ((await deps.store.knownScopes()).size === 0) return { status: 503, outcome: 'no Zalo OA is connected' };
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { status: 400, outcome: 'body is not JSON' };
  }
  const envelope = webhookEnvelopeSchema.safeParse(json);
  if (!envelope.success) return { status: 400, outcome: `not a Zalo event: ${envelope.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const candidates = await deps.store.byApp(envelope.data.app_id);
  if (candidates.length === 0) return { status: 401, outcome: 'event for another app id' };
  const connection = oaOf(candidates, json);
  if (!connection) return { status: 401, outcome: 'event for an OA not connected here' };
  if (!connection.webhookSecret) return { status: 503, outcome: 'the Zalo OA has no webhook secret (OA Secret Key) set' };
  const scope = connection.communeCode;
  if (!webhookSignatureValid(signature, connection.appId, rawBody, envelope.data.timestamp, connection.webhookSecret)) {
    deps.logger.warn({ commune: scope, event: envelope.data.event_name }, 'Zalo webhook refused: wrong or missing X-ZEvent-Signature');
    return { status: 401, outcome: 'wrong or missing X-ZEvent-Signature' };
  }
  const parsed = webhookEventSchema.safeParse(json);
  // Zalo sends many other events (seen, images, stickers…): accepted and ignored
  if (!parsed.success) return { status: 200, outcome: `ignored ${envelope.data.event_name}` };
  const event = parsed.data;
  // a commune's OA serves its own hamlets; the province's serves every commune's
  const hamlets = (await deps.hamlets()).filter((h) => scope === null || h.communeCode === scope);
  if (event.event_name !== 'user_send_text') {
    if (event.event_name === 'unfollow') {
      const removed = await deps.followers.unsubscribeAll(scope, event.follower.id);
      return { status: 200, outcome: `unfollowed; ${removed} subscriptions removed` };
    }
    await deps.reply(scope, event.follower.id, `follow-${event.timestamp}`, `Cảm ơn bạn đã quan tâm OA của xã. ${helpText(hamlets)}`);
    return { status: 200, outcome: 'followed; asked for a hamlet' };
  }
  const userId = event.sender.id;
  const text = event.message.text;
  if (isUnsubscribe(text)) {
    const removed = await deps.followers.unsubscribeAll(scope, userId);
    await deps.reply(scope, userId, event.message.msg_id, 'Bạn đã ngừng nhận thông báo của xã qua Zalo. Nhắn tên ấp để đăng ký lại.');
    return { status: 200, outcome: `unsubscribed (${removed})` };
  }
  const named = hamletsNamed(text, hamlets);
  if (named.length > 1) {
    // the province's OA: "Ấp 1" of two communes; the citizen answers with the code
    const communes = new Map((await deps.communes()).map((k) => [k.code, k.name]));
    const choices = named.map((h) => `${h.name} (${communes.get(h.communeCode) ?? h.communeCode}): nhắn "${h.code}"`).join('; ');
    await deps.reply(scope, userId, event.message.msg_id, `Có nhiều ấp tên như vậy. ${choices}.`);
    return { status: 200, outcome: `several hamlets named (${named.map((h) => h.code).join(', ')}); asked which` };
  }
  const hamlet = named[0];
  if (!hamlet) {
    await deps.reply(scope, userId, event.message.msg_id, helpText(hamlets));
    return { status: 200, outcome: 'no hamlet named; help sent' };
  }
  await deps.followers.subscribe(scope, userId, hamlet.code);
  const all = (await deps.followers.hamletsOf(scope, userId)).map((code) => hamlets.find((h) => h.code === code)?.name ?? code);
  await deps.reply(
    scope,
    userId,
    event.message.msg_id,
    `Đã đăng ký nhận thông báo và cảnh báo khẩn cấp của ${hamlet.name} qua Zalo. Bạn đang nhận tin của: ${all.join(', ')}. Nhắn "HỦY" để ngừng nhận.`,
  );
  return { status: 200, outcome: `subscribed to ${hamlet.code}` };
}
