import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '../../audit/audit-log.js';
import { requestIp } from '../../audit/request-ip.js';
import { currentUser, type Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import { oaScopeFor, zaloConnectSchema, ZaloRefusedError, type ZaloConnector } from './zalo-connect.js';
import type { OaScope } from './zalo-oa-store.js';
import { handleZaloWebhook, type ZaloWebhookDeps } from './zalo-webhook.js';

export const ZALO_WEBHOOK_PATH = '/zalo/webhook';
export const ZALO_CONNECTION_PATH = '/zalo/connection';
export const ZALO_CONNECTIONS_PATH = '/zalo/connections';

export const zaloStatusSchema = z
  .object({
    communeCode: z.string().nullable().openapi({ description: "Whose OA: a commune's code, null for the province's own" }),
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

const connectionQuery = z.object({
  commune: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be a commune code: letters, digits, "-" or "_"')
    .optional()
    .openapi({ description: "A commune's OA (a province admin: any commune; a commune's admin: their own). Absent: the caller's commune's, or the province's own for a province-level admin", example: 'vi-tan' }),
});

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
        'Zalo posts each OA\'s events here, every commune\'s and the province\'s (JSON, at most 16 KiB): the event\'s app_id, then its OA id (recipient.id, oa_id), pick the OA, whose OA Secret Key signs it in X-ZEvent-Signature: `mac=` sha256(app_id + body + timestamp + OA Secret Key). A wrong signature or an OA not connected here is 401; a commune\'s OA subscribes to its own hamlets, the province\'s to any; other event names are accepted and ignored. A follower writing a hamlet\'s name or code ("Ấp 2A", "ap-2a") is subscribed to its notices and gets a confirmation; "HỦY" unsubscribes.',
      responses: {
        200: jsonContent(z.object({ ok: z.literal(true), outcome: z.string() }), 'Accepted'),
        401: jsonContent(z.object({}), 'Wrong or missing signature'),
        503: jsonContent(z.object({}), 'The OA is not connected or has no webhook secret'),
      },
    }),
    async (c) => {
      const result = await handleZaloWebhook(deps, await c.req.text(), c.req.header('x-zevent-signature'));
      if (result.status === 200) return c.json({ ok: true as const, outcome: result.outcome }, 200);
      throw new ApiError(result.status, result.status === 401 ? 'signature_invalid' : result.status === 503 ? 'not_connected' : 'bad_request', result.outcome);
    },
  );

  app.openapi(
    apiRoute(deps.guard, 'notifications.zalo.manage', {
      method: 'get',
      path: ZALO_CONNECTION_PATH,
      tags,
      summary: "An OA connection's state (never a token) and followers per hamlet: a commune's (?commune=) or the caller's own",
      request: { query: connectionQuery },
      responses: { 200: jsonContent(zaloStatusSchema, 'The connection'), 404: jsonContent(z.object({}), 'No such commune, or another commune than the caller\'s') },
    }),
    async (c) => c.json(await deps.connector.view(await oaScopeFor(currentUser(c), c.req.valid('query').commune, deps.communes)), 200),
  );

  app.openapi(
    apiRoute(deps.guard, 'notifications.zalo.manage', {
      method: 'get',
      path: ZALO_CONNECTIONS_PATH,
      tags,
      summary: "Every OA the caller looks after: a province admin's the province's own and each commune's (connected or not); a commune admin's their commune's",
      responses: { 200: jsonContent(z.object({ items: z.array(zaloStatusSchema) }), 'The connections') },
    }),
    async (c) => {
      const person = currentUser(c);
      const scopes: OaScope[] = person.communeCode === null ? [null, ...(await deps.communes()).map((k) => k.code)] : [person.communeCode];
      return c.json({ items: await Promise.all(scopes.map((scope) => deps.connector.view(scope))) }, 200);
    },
  );

  app.openapi(
    apiRoute(deps.guard, 'notifications.zalo.manage', {
      method: 'put',
      path: ZALO_CONNECTION_PATH,
      tags,
      summary: "Connect (or reconnect) an OA (a commune's with ?commune=, else the caller's own): app id and secret, and an authorization code or a refresh token",
      request: { query: connectionQuery },
      description:
        'JSON {appId, appSecret, oaId?, webhookSecret?, refreshToken | code, codeVerifier?}. The cloud exchanges the code or refresh token with Zalo at once (a refresh token is single-use: the one pasted is spent and replaced) and stores the new pair sealed. Messages waiting while the OA needed reconnecting are sent afterwards.',
      responses: {
        200: jsonContent(zaloStatusSchema, 'Connected'),
        404: jsonContent(z.object({}), "No such commune, or another commune than the caller's"),
        502: jsonContent(z.object({}), 'Zalo refused or did not answer'),
      },
    }),
    async (c) => {
      const person = currentUser(c);
      const scope = await oaScopeFor(person, c.req.valid('query').commune, deps.communes);
      const text = await c.req.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw badRequest('the body is not JSON');
      }
      const body = zaloConnectSchema.parse(json);
      try {
        return c.json(await deps.connector.connect(scope, body, actorOf(person), requestIp(c)), 200);
      } catch (err) {
        if (err instanceof ZaloRefusedError) throw new ApiError(502, 'zalo_refused', err.message);
        throw err;
      }
    },
  );

  return app;
}
