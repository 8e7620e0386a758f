import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE, FOOTAGE_MAX_RANGE_MS, footageOutcomes } from '@smart-commune/shared';
import { DateTime } from 'luxon';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { badRequest, notFound } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { communeQueryParam, listCommune } from '../communes/edge-commune.js';
import { assertSees } from '../communes/scope.js';
import type { EdgeStore } from '../fleet/edge-store.js';
import type { Footage } from './footage.js';
import type { FootageRequest } from './footage-store.js';

const tags = ['Footage'];

const timeText = z
  .string()
  .max(40)
  .openapi({ description: 'ISO 8601 with an offset (2026-12-06T22:15:00+07:00), or local commune time without one (2026-12-06T22:15)', example: '2026-12-06T22:15' });

const footageInput = z
  .object({
    from: timeText,
    to: timeText,
    reason: z.string().trim().min(3, 'say why the footage is needed').max(500),
  })
  .openapi('FootageRequestInput');

const rangeView = z.object({ fromMs: z.number(), toMs: z.number() });
const footageView = z
  .object({
    id: z.string(),
    edgeId: z.string(),
    cameraId: z.string(),
    fromMs: z.number(),
    toMs: z.number(),
    reason: z.string(),
    requestedBy: z.string().nullable(),
    communeCode: z.string().nullable(),
    state: z.enum(['waiting', ...footageOutcomes]),
    incidentId: z.string().nullable(),
    missing: z.array(rangeView),
    held: rangeView.nullable(),
    error: z.string().nullable(),
    edgeOnline: z.boolean(),
    createdAt: z.number(),
    answeredAt: z.number().nullable(),
  })
  .openapi('FootageRequest');

const params = z.object({
  edgeId: z.string().min(1).max(64).openapi({ param: { name: 'edgeId', in: 'path' }, example: 'edg_5k2m9q8x4c7t' }),
  cameraId: z.string().min(1).max(32).openapi({ param: { name: 'cameraId', in: 'path' }, example: 'cong-truong' }),
});
const idParam = z.object({ id: z.string().min(1).max(80).openapi({ param: { name: 'id', in: 'path' } }) });
const listQuery = z.object({
  commune: communeQueryParam,
  edge: z.string().max(64).optional(),
  state: z.enum(['waiting', ...footageOutcomes]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A time as police type it: with an offset, or local commune time (the console's datetime-local). */
export function parseFootageTime(text: string, field: string): number {
  const withOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const t = withOffset ? DateTime.fromISO(text, { setZone: true }) : DateTime.fromISO(text, { zone: COMMUNE_TIME_ZONE });
  if (!t.isValid || !text.includes('T')) throw badRequest(`"${field}" is not a date and time: ${text}`, [{ path: field, message: 'expected 2026-12-06T22:15 or an ISO 8601 date-time' }]);
  return t.toMillis();
}

/** Police ask a camera's footage by time and follow their requests. */
export function createFootageRoutes({ guard, audit, footage, edges }: { guard: Guard; audit: AuditLog; footage: Footage; edges: EdgeStore }) {
  const app = new OpenAPIHono<AppEnv>();
  const view = async (r: FootageRequest) => ({ ...r, edgeOnline: (await edges.find(r.edgeId))?.online ?? false });

  app.openapi(
    apiRoute(guard, 'footage.request', {
      method: 'post',
      path: '/cameras/{edgeId}/{cameraId}/footage-requests',
      tags,
      summary: "Ask a camera's recording of a time range (at most 30 minutes); the box cuts it without re-encoding and uploads it as an evidence item",
      description: 'A box that is offline gets the request when it connects again (state "waiting"). A range it no longer holds is answered "unavailable" or "partial", naming the missing parts.',
      request: { params, body: jsonBody(footageInput) },
      responses: { 202: jsonContent(footageView, 'The request, waiting for the box') },
    }),
    async (c) => {
      const { edgeId, cameraId } = c.req.valid('param');
      const input = c.req.valid('json');
      const fromMs = parseFootageTime(input.from, 'from');
      const toMs = parseFootageTime(input.to, 'to');
      if (toMs <= fromMs) throw badRequest('"to" must come after "from"', [{ path: 'to', message: 'not after from' }]);
      if (toMs - fromMs > FOOTAGE_MAX_RANGE_MS) throw badRequest('at most 30 minutes of footage per request', [{ path: 'to', message: `${Math.round((toMs - fromMs) / 60_000)} minutes asked` }]);
      if (fromMs > Date.now()) throw badRequest('"from" is in the future: nothing is recorded yet', [{ path: 'from', message: 'in the future' }]);
      const user = currentUser(c);
      const request = await footage.request({ edgeId, cameraId, fromMs, toMs, reason: input.reason, requestedBy: user.username }, user);
      await audit.record({
        actor: actorOf(user),
        action: 'footage.request',
        target: `footage:${request.id}`,
        details: { edgeId, cameraId, fromMs, toMs, reason: input.reason },
        ip: requestIp(c),
      });
      return c.json(await view(request), 202);
    },
  );

  app.openapi(
    apiRoute(guard, 'footage.request', {
      method: 'get',
      path: '/footage-requests',
      tags,
      summary: 'Footage requests, newest first, with what each box answered',
      request: { query: listQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(footageView) }), 'The requests') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await footage.store.list({ communeCode: listCommune(currentUser(c), q.commune), edgeId: q.edge, state: q.state, limit: q.limit });
      return c.json({ items: await Promise.all(items.map(view)) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'footage.request', {
      method: 'get',
      path: '/footage-requests/{id}',
      tags,
      summary: 'One footage request and its state',
      request: { params: idParam },
      responses: { 200: jsonContent(footageView, 'The request') },
    }),
    async (c) => {
      const request = await footage.store.get(c.req.valid('param').id);
      if (!request) throw notFound(`footage request ${c.req.valid('param').id}`);
      assertSees(currentUser(c), request.communeCode, `footage request ${request.id}`, { provinceItems: false });
      return c.json(await view(request), 200);
    },
  );
  return app;
}
