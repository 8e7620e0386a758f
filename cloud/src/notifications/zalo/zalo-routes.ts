import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf, type AuditLog } from '../../audit/audit-log.js';
import { requestIp } from '../../audit/request-ip.js';
import { currentUser, type Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import type { ZaloFollowers } from './zalo-followers.js';
import type { ZaloOaStore } from './zalo-oa-store.js';
import type { ZaloTokens } from './zalo-tokens.js';
import { handleZaloWebhook, type ZaloWebhookDeps } from './zalo-webhook.js';

export const ZALO_WEBHOOK_PATH = '/zalo/webhook';
export const ZALO_CONNECTION_PATH = '/zalo/connection';

const digits = (what: string) => z.string().trim().regex(/^\d{1,32}$/, `${what} is a string of digits`);
const secret = (what: string) => z.string().trim().min(8, `${what} is too short`).max(512, `${what} is longer than 512 characters`);

export const zaloConnectSchema = z
  .object({
    appId: digits('appId'),
    appSecret: secret('appSecret'),
    oaId: digits('oaId').optional(),
    /** The webhook page's OA Secret Key, which signs the events. */
    webhookSecret: secret('webhookSecret').optional(),
    refreshToken: secret('refreshToken').max(4096).optional(),
    code: secret('code').max(4096).optional(),
    codeVerifier: z.string().trim().min(43).max(128).optional(),
  })
  .strict()
  .refine((b) => (b.refreshToken ? 1 : 0) + (b.code ? 1 : 0) === 1, { message: 'give exactly one of refreshToken or code', path: ['refreshToken'] });

export const zaloStatusSchema = z
  .object({
    state: z.enum(['not_connected', 'connected', 'needs_reconnect']),
    reason: z.string().nullable(),
    appId: z.string().nullable(),
    oaId: z.string().nullable(),
    webhookSecretSet: z.boolean(),
    accessExpiresAt: z.number().nullable(),
    refreshExpiresAt: z.number().nullable(),
    connectedAt: z.number().nullable(),
    refreshedAt: z.number().nullable(),
    followersByHamlet: z.record(z.string(), z.number()),
  })
  .openapi('ZaloConnection');

export interface ZaloRoutesDeps extends ZaloWebhookDeps {
  guard: Guard;
  tokens: ZaloTokens;
  audit: AuditLog;
  store: ZaloOaStore;
  followers: ZaloFollowers;
}

const tags = ['Zalo OA'];

/** The webhook Zalo calls (public, signed) and the admins' connection of the OA. */
export function createZaloRoutes(deps: ZaloRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const status = () => ({ ...deps.store.status(), followersByHamlet: deps.followers.countsByHamlet() });

  app.openapi(
    apiRoute(deps.guard, 'public', {
      method: 'post',
      path: ZALO_WEBHOOK_PATH,
      tags,
      summary: "The Zalo OA's webhook (events user_send_text, follow, unfollow)",
      // the raw body is read by hand: the signature covers its exact bytes
      description:
        'Zalo posts the OA\'s events here (JSON, at most 16 KiB), signed in X-ZEvent-Signature: `mac=` sha256(app_id + body + timestamp + OA Secret Key). A wrong signature is 401; other event names are accepted and ignored. A follower writing a hamlet\'s name or code ("Ấp 2A", "ap-2a") is subscribed to its notices and gets a confirmation; "HỦY" unsubscribes.',
      responses: {
        200: jsonContent(z.object({ ok: z.literal(true), outcome: z.string() }), 'Accepted'),
        401: jsonContent(z.object({}), 'Wrong or missing signature'),
        503: jsonContent(z.object({}), 'The OA is not connected or has no webhook secret'),
      },
    }),
    async (c) => {
      const result = handleZaloWebhook(deps, await c.req.text(), c.req.header('x-zevent-signature'));
      if (result.status === 200) return c.json({ ok: true as const, outcome: result.outcome }, 200);
      throw new ApiError(result.status, result.status === 401 ? 'signature_invalid' : result.status === 503 ? 'not_connected' : 'bad_request', result.outcome);
    },
  );

  app.openapi(
    apiRoute(deps.guard, 'notifications.zalo.manage', {
      method: 'get',
      path: ZALO_CONNECTION_PATH,
      tags,
      summary: "The OA connection's state (never a token) and followers per hamlet",
      responses: { 200: jsonContent(zaloStatusSchema, 'The connection') },
    }),
    (c) => c.json(status(), 200),
  );

  app.openapi(
    apiRoute(deps.guard, 'notifications.zalo.manage', {
      method: 'put',
      path: ZALO_CONNECTION_PATH,
      tags,
      summary: 'Connect (or reconnect) the OA: app id and secret, and an authorization code or a refresh token',
      description:
        'JSON {appId, appSecret, oaId?, webhookSecret?, refreshToken | code, codeVerifier?}. The cloud exchanges the code or refresh token with Zalo at once (a refresh token is single-use: the one pasted is spent and replaced) and stores the new pair sealed. Messages waiting while the OA needed reconnecting are sent afterwards.',
      responses: { 200: jsonContent(zaloStatusSchema, 'Connected'), 502: jsonContent(z.object({}), 'Zalo refused or did not answer') },
    }),
    async (c) => {
      const text = await c.req.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw badRequest('the body is not JSON');
      }
      const body = zaloConnectSchema.parse(json);
      const grant = body.code ? { code: body.code, ...(body.codeVerifier ? { codeVerifier: body.codeVerifier } : {}) } : { refreshToken: body.refreshToken! };
      const user = currentUser(c);
      let pair;
      try {
        pair = await deps.tokens.exchange(body.appId, body.appSecret, grant);
      } catch (err) {
        deps.audit.record({ actor: actorOf(user), action: 'zalo.connect_failed', target: `zalo-oa:${body.oaId ?? body.appId}`, details: { reason: (err as Error).message }, ip: requestIp(c) });
        throw new ApiError(502, 'zalo_refused', (err as Error).message);
      }
      deps.store.connect({ appId: body.appId, oaId: body.oaId ?? null, appSecret: body.appSecret, webhookSecret: body.webhookSecret ?? null, pair });
      deps.audit.record({ actor: actorOf(user), action: 'zalo.connect', target: `zalo-oa:${body.oaId ?? body.appId}`, details: { grant: body.code ? 'authorization_code' : 'refresh_token' }, ip: requestIp(c) });
      return c.json(status(), 200);
    },
  );

  return app;
}
