import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '../../audit/audit-log.js';
import { requestIp } from '../../audit/request-ip.js';
import { currentUser, type Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import { zaloConnectSchema, ZaloRefusedError, type ZaloConnector } from './zalo-connect.js';
import { handleZaloWebhook, type ZaloWebhookDeps } from './zalo-webhook.js';

export const ZALO_WEBHOOK_PATH = '/zalo/webhook';
export const ZALO_CONNECTION_PATH = '/zalo/connection';

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
  connector: ZaloConnector;
}

const tags = ['Zalo OA'];

/** The webhook Zalo calls (public, signed) and the admins' connection of the OA. */
export function createZaloRoutes(deps: ZaloRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();

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
    (c) => c.json(deps.connector.view(), 200),
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
      try {
        return c.json(await deps.connector.connect(body, actorOf(currentUser(c)), requestIp(c)), 200);
      } catch (err) {
        if (err instanceof ZaloRefusedError) throw new ApiError(502, 'zalo_refused', err.message);
        throw err;
      }
    },
  );

  return app;
}
