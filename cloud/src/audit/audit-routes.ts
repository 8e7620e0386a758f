import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { badRequest } from '../http/errors.js';
import { apiRoute, jsonContent } from '../http/route.js';
import { rangeBoundSchema } from '../radio/schedules/http-schemas.js';
import { parseRangeBound } from '../radio/schedules/local-time.js';
import type { AuditLog } from './audit-log.js';

const auditQuery = z.object({
  actor: z.string().min(1).max(100).optional().openapi({ description: 'A username, edge:<edgeId>, public or system' }),
  action: z.string().min(1).max(100).optional().openapi({ example: 'incident.clip_view' }),
  target: z.string().min(1).max(200).optional().openapi({ example: 'incident:inc_0123456789' }),
  from: rangeBoundSchema.optional().openapi({ description: 'From: a local date YYYY-MM-DD (Asia/Ho_Chi_Minh) or an ISO 8601 date-time with offset' }),
  to: rangeBoundSchema.optional().openapi({ description: 'Before: a local date (included) or an ISO 8601 date-time with offset (excluded)' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const auditEntrySchema = z
  .object({
    id: z.number(),
    at: z.number(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    ip: z.string().nullable(),
  })
  .openapi('AuditEntry');

/** The audit log for admins: who logged in, viewed, exported or changed what, and what was refused. */
export function createAuditRoutes({ guard, audit }: { guard: Guard; audit: AuditLog }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, { roles: ['admin'] }, {
      method: 'get',
      path: '/audit',
      tags: ['Audit'],
      summary: 'The append-only audit log, newest first, filtered by actor, action, target and time',
      request: { query: auditQuery },
      responses: {
        200: jsonContent(z.object({ items: z.array(auditEntrySchema), total: z.number(), limit: z.number(), offset: z.number() }), 'One page of the log'),
      },
    }),
    (c) => {
      const q = c.req.valid('query');
      const from = q.from === undefined ? undefined : parseRangeBound(q.from, COMMUNE_TIME_ZONE, 'start')!;
      const to = q.to === undefined ? undefined : parseRangeBound(q.to, COMMUNE_TIME_ZONE, 'end')!;
      if (from !== undefined && to !== undefined && to <= from) throw badRequest('"to" must come after "from"', [{ path: 'to', message: 'before from' }]);
      const page = audit.page({ actor: q.actor, action: q.action, target: q.target, from, to }, q.limit, q.offset);
      return c.json({ ...page, limit: q.limit, offset: q.offset }, 200);
    },
  );
  return app;
}
