import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/*
 * The whole wire format of the Zalo Official Account Open API as this cloud uses it: hosts, paths,
 * request shapes, response schemas (bounded), error codes and the webhook's signature. Nothing else
 * in the cloud builds a Zalo URL or reads a Zalo answer. Sources (Zalo for Developers, Vietnamese):
 *
 * - OAuth v4 for an OA ("Xác thực và ủy quyền cho ứng dụng"):
 *   https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new
 *   POST https://oauth.zaloapp.com/v4/oa/access_token, form-urlencoded, header `secret_key: <app secret>`,
 *   body app_id + grant_type=authorization_code + code (+ code_verifier with PKCE), or
 *   grant_type=refresh_token + refresh_token. Answer {access_token, refresh_token, expires_in} with
 *   expires_in in seconds *as a string*. The access token lives 25 hours, the refresh token 3 months
 *   and is SINGLE-USE: each refresh returns a new one, and the previous access token stops working
 *   when the new one is issued.
 * - Consultation message ("Gửi tin Tư vấn dạng văn bản"), the message a follower gets here:
 *   https://developers.zalo.me/docs/official-account/tin-nhan/tin-tu-van/gui-tin-tu-van-dang-van-ban
 *   POST https://openapi.zalo.me/v3.0/oa/message/cs, header `access_token`, JSON
 *   {recipient: {user_id}, message: {text}}; text at most 2,000 characters. Conditions
 *   ("Điều kiện gửi tin Tư vấn"): the user interacted with the OA within the last 7 days.
 *   https://developers.zalo.me/docs/official-account/tin-nhan/tin-tu-van/dieu-kien-gui-tin-tu-van
 * - Broadcast of an article to the OA's followers ("tin Truyền thông broadcast", needs the OA's
 *   broadcast permission): POST https://openapi.zalo.me/v2.0/oa/message with
 *   {recipient: {target: {...}}, message: {attachment: {type: 'template', payload: {template_type:
 *   'media', elements: [{media_type: 'article', attachment_id}]}}}}, the article made first with
 *   POST /v2.0/article/create (answers a token) and POST /v2.0/article/verify (answers its id).
 *   https://developers.zalo.me/docs/official-account/tin-nhan/tin-truyen-thong/gui-tin-truyen-thong-broadcast
 *   https://developers.zalo.me/docs/official-account/quan-ly-bai-viet/tao-bai-viet
 * - Every Open API answer is {error, message, data?}; success is error == 0, whatever the HTTP status.
 *   Error codes ("Mã lỗi"): https://developers.zalo.me/docs/official-account/phu-luc/ma-loi
 * - Rate limits ("Giới hạn tốc độ gọi API"): per app, 4,000 requests a minute for the OA API, plus a
 *   per-OA limit by package; over it the answer is error -32.
 *   https://developers.zalo.me/docs/official-account/phu-luc/gioi-han-toc-do-api
 * - Webhook ("Giới thiệu về Webhook", events "user_send_text", "follow"/"unfollow"):
 *   https://developers.zalo.me/docs/official-account/webhook/tong-quan
 *   https://developers.zalo.me/docs/official-account/webhook/tin-nhan/su-kien-nguoi-dung-gui-tin-nhan
 *   https://developers.zalo.me/docs/official-account/webhook/quan-ly/su-kien-khach-hang-quan-tam-hay-bo-quan-tam-oa
 *   Signed in the header X-ZEvent-Signature: `mac=` sha256(appId + body + timeStamp + OA secret key),
 *   hex; the OA secret key is the webhook page's key, not the app secret. Zalo wants a 200 within 2 s.
 *
 * The developers.zalo.me pages render with JavaScript; their content was read through open-source
 * clients that quote them (zalo-sdk's ZaloOAException, the redai-zalo-sdk types, verified notes of
 * other integrators), so the stand-in (testing/zalo-standin.ts) follows exactly what is written here.
 */

export const ZALO_API_URL = 'https://openapi.zalo.me';
export const ZALO_OAUTH_URL = 'https://oauth.zaloapp.com';

export const PATHS = {
  accessToken: '/v4/oa/access_token',
  messageCs: '/v3.0/oa/message/cs',
  /** Broadcast of an article (v2.0 still serves broadcasts; v2.0 consultation messages were shut down, -240). */
  broadcast: '/v2.0/oa/message',
  articleCreate: '/v2.0/article/create',
  articleVerify: '/v2.0/article/verify',
} as const;

/** Error codes of the Open API this cloud acts on ("Mã lỗi", phu-luc/ma-loi). */
export const ZALO_ERRORS = {
  rateLimited: -32,
  sendFailed: -200,
  invalidParameter: -201,
  oaDisabled: -204,
  oaNotFound: -205,
  parameterTooLong: -210,
  outOfQuota: -211,
  notFollower: -213,
  accessTokenInvalid: -216,
  blockedInvitation: -217,
  userQuotaExceeded: -218,
  accessTokenExpired: -220,
  userInactive45d: -227,
  notInteracted7d: -230,
  notInteracted: -232,
  messageTypeInvalid: -233,
  nightTime: -234,
  userRestricted: -244,
} as const;

/** Maximum length of a consultation message's text. */
export const CS_TEXT_MAX = 2000;

/** Text answers are read only up to this size: a Zalo answer is a few hundred bytes. */
export const MAX_ANSWER_BYTES = 64 * 1024;

// expires_in is documented as a string of seconds; a number is accepted too
const seconds = z.union([z.string().regex(/^\d{1,9}$/), z.number().int().nonnegative().max(1e9)]).transform((v) => Number(v));

/** The OAuth answer: a new pair, or an error. */
export const tokenAnswerSchema = z.union([
  z.object({
    access_token: z.string().min(1).max(4096),
    refresh_token: z.string().min(1).max(4096),
    expires_in: seconds,
    /** Not documented in every version of the page; 3 months when absent. */
    refresh_token_expires_in: seconds.optional(),
  }),
  z.object({
    error: z.number().int(),
    error_name: z.string().max(500).optional(),
    error_reason: z.string().max(1000).optional(),
    error_description: z.string().max(1000).optional(),
  }),
]);
export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;

/** The documented lives, used when an answer does not say. */
export const ACCESS_TOKEN_LIFE_S = 25 * 3600;
export const REFRESH_TOKEN_LIFE_S = 90 * 24 * 3600;

/** Every Open API answer: {error, message, data?}. */
export const apiAnswerSchema = z.object({
  error: z.number().int(),
  message: z.string().max(2000).optional(),
  data: z
    .object({
      message_id: z.string().max(200).optional(),
      user_id: z.string().max(100).optional(),
      token: z.string().max(2000).optional(),
      id: z.string().max(200).optional(),
    })
    .passthrough()
    .optional(),
});
export type ApiAnswer = z.infer<typeof apiAnswerSchema>;

export const tokenForm = (appId: string, grant: { refreshToken: string } | { code: string; codeVerifier?: string }) => {
  const form = new URLSearchParams({ app_id: appId });
  if ('refreshToken' in grant) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', grant.refreshToken);
  } else {
    form.set('grant_type', 'authorization_code');
    form.set('code', grant.code);
    if (grant.codeVerifier) form.set('code_verifier', grant.codeVerifier);
  }
  return form;
};

export const csMessageBody = (userId: string, text: string) => ({ recipient: { user_id: userId }, message: { text: text.slice(0, CS_TEXT_MAX) } });

export const articleCreateBody = (a: { title: string; author: string; description: string; text: string; link: string }) => ({
  type: 'normal',
  title: a.title.slice(0, 150),
  author: a.author.slice(0, 50),
  description: a.description.slice(0, 300),
  cover: { cover_type: 'photo', photo_url: '', status: 'hide' },
  body: [
    { type: 'text', content: a.text },
    { type: 'text', content: a.link },
  ],
  status: 'show',
  comment: 'hide',
});

export const broadcastBody = (articleId: string) => ({
  recipient: { target: {} },
  message: { attachment: { type: 'template', payload: { template_type: 'media', elements: [{ media_type: 'article', attachment_id: articleId }] } } },
});

// --- Webhook ---------------------------------------------------------------------------------

export const WEBHOOK_SIGNATURE_HEADER = 'x-zevent-signature';
/** A webhook body is a small JSON document; anything larger is refused before parsing. */
export const WEBHOOK_MAX_BYTES = 16 * 1024;

const id = z.string().regex(/^\d{1,32}$/, 'a Zalo id is a string of digits');
const timestamp = z.union([z.string().regex(/^\d{1,16}$/), z.number().int().nonnegative()]).transform((v) => String(v));

/** The events this cloud reads; any other event name is accepted and ignored (Zalo sends many). */
export const webhookEventSchema = z.discriminatedUnion('event_name', [
  z.object({
    event_name: z.literal('user_send_text'),
    app_id: id,
    sender: z.object({ id }),
    recipient: z.object({ id }),
    message: z.object({ text: z.string().max(2000), msg_id: z.string().min(1).max(100) }),
    timestamp,
  }),
  z.object({
    event_name: z.enum(['follow', 'unfollow']),
    app_id: id,
    oa_id: id,
    follower: z.object({ id }),
    timestamp,
  }),
]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** The app id and time stamp a signature covers, read before the full validation. */
export const webhookEnvelopeSchema = z.object({ app_id: id, event_name: z.string().min(1).max(100), timestamp }).passthrough();

/** `mac=` + sha256(appId + body + timestamp + OA secret key), hex (webhook/tong-quan). */
export function webhookSignature(appId: string, rawBody: string, timestampText: string, oaSecretKey: string): string {
  return `mac=${createHash('sha256').update(appId + rawBody + timestampText + oaSecretKey, 'utf8').digest('hex')}`;
}

/** Compares in constant time; the `mac=` prefix is optional (integrators saw both forms). */
export function webhookSignatureValid(header: string | undefined, appId: string, rawBody: string, timestampText: string, oaSecretKey: string): boolean {
  if (!header) return false;
  const given = header.trim().toLowerCase().replace(/^mac=/, '');
  const expected = webhookSignature(appId, rawBody, timestampText, oaSecretKey).slice(4);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
