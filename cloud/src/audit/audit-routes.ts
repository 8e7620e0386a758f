import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import { communeQueryParam, listCommune } from '../communes/edge-commune.js';
import type { Scoped } from '../communes/scope.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { badRequest } from '../http/errors.js';
import { apiRoute, jsonContent } from '../http/route.js';
import { rangeBoundSchema } from '../radio/schedules/http-schemas.js';
import { parseRangeBound } from '../radio/schedules/local-time.js';
import { auditCsv } from './audit-csv.js';
import type { AuditFilter, AuditLog } from './audit-log.js';

/** The CSV export is one file: at most this many rows. */
const MAX_CSV_ROWS = 100_000;

/** The filters of the log (the API, its CSV and the admin console page take the same). */
export const auditFilterQuery = z.object({
  commune: communeQueryParam,
  actor: z.string().min(1).max(100).optional().openapi({ description: 'A username, edge:<edgeId>, public or system' }),
  action: z.string().min(1).max(100).optional().openapi({ example: 'incident.clip_view' }),
  target: z.string().min(1).max(200).optional().openapi({ example: 'incident:inc_0123456789' }),
  from: rangeBoundSchema.optional().openapi({ description: 'From: a local date YYYY-MM-DD (Asia/Ho_Chi_Minh) or an ISO 8601 date-time with offset' }),
  to: rangeBoundSchema.optional().openapi({ description: 'Before: a local date (included) or an ISO 8601 date-time with offset (excluded)' }),
});

const auditQuery = auditFilterQuery.extend({
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
    communeCode: z.string().nullable().openapi({ description: "The commune the entry belongs to: the object's, else the actor's; null: the province's own" }),
  })
  .openapi('AuditEntry');

/**
 * The store's filter for a validated query, as `person` may read the log: a commune's admin only
 * their commune's entries; a 400 when "to" is not after "from".
 */
export function toAuditFilter(q: z.infer<typeof auditFilterQuery>, person: Scoped): AuditFilter {
  const from = q.from === undefined ? undefined : parseRangeBound(q.from, COMMUNE_TIME_ZONE, 'start')!;
  const to = q.to === undefined ? undefined : parseRangeBound(q.to, COMMUNE_TIME_ZONE, 'end')!;
  if (from !== undefined && to !== undefined && to <= from) throw badRequest('"to" must come after "from"', [{ path: 'to', message: 'before from' }]);
  return { communeCode: listCommune(person, q.commune), actor: q.actor, action: q.action, target: q.target, from, to };
}

export interface AuditRoutesDeps {
  guard: Guard;
  audit: AuditLog;
  /** Commune code → name, for the CSV's commune column (awaited: the communes store may answer later). */
  communeNames(): ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string>>;
}

/** The audit log for admins: who logged in, viewed, exported or changed what, and what was refused. */
export function createAuditRoutes({ guard, audit, communeNames }: AuditRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, 'audit.read', {
      method: 'get',
      path: '/audit',
      tags: ['Audit'],
      summary: "The append-only audit log, newest first, filtered by commune, actor, action, target and time (a commune's admin reads only their commune's entries)",
      request: { query: auditQuery },
      responses: {
        200: jsonContent(z.object({ items: z.array(auditEntrySchema), total: z.number(), limit: z.number(), offset: z.number() }), 'One page of the log'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await audit.page(toAuditFilter(q, currentUser(c)), q.limit, q.offset);
      return c.json({ ...page, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'audit.read', {
      method: 'get',
      path: '/audit.csv',
      tags: ['Audit'],
      summary: 'The audit log as CSV (UTF-8 with BOM, times in Asia/Ho_Chi_Minh, newest first), same filters',
      request: { query: auditFilterQuery },
      responses: {
        200: {
          description: "id, time, actor, action, target, details (JSON), ip, commune_code, commune (its name; empty code and 'Cấp tỉnh' for the province's own entries). Scoped as the list is",
          content: { 'text/csv': { schema: z.string() } },
        },
      },
    }),
    async (c) => {
      const items = (await audit.page(toAuditFilter(c.req.valid('query'), currentUser(c)), MAX_CSV_ROWS, 0)).items;
      const csv = auditCsv(items, COMMUNE_TIME_ZONE, await communeNames());
      return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="audit.csv"' });
    },
  );
  return app;
}
