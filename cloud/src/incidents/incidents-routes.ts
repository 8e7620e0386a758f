import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import type { AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { badRequest } from '../http/errors.js';
import { jsonBody, jsonContent } from '../http/route.js';
import { parseRangeBound } from '../radio/schedules/local-time.js';
import { listCommune } from '../communes/edge-commune.js';
import type { Scoped } from '../communes/scope.js';
import { incidentRoute } from './incident-access.js';
import type { IncidentNotes } from './incident-notes.js';
import type { IncidentReview } from './incident-review.js';
import type { IncidentFilter } from './incident-records.js';
import type { IncidentStore } from './incident-store.js';
import type { IncidentVersions } from './incident-versions.js';
import {
  incidentDetailSchema,
  incidentIdParam,
  incidentItemJson,
  incidentJson,
  incidentListQuery,
  incidentPageSchema,
  incidentPatchSchema,
  incidentSchema,
  newNoteSchema,
  noteSchema,
} from './http-schemas.js';

export interface IncidentsRoutesDeps {
  guard: Guard;
  audit: AuditLog;
  store: IncidentStore;
  notes: IncidentNotes;
  versions: IncidentVersions;
  review: IncidentReview;
}

const tags = ['Incidents'];

function toFilter(q: z.infer<typeof incidentListQuery>, person: Scoped): IncidentFilter {
  const from = q.from === undefined ? undefined : parseRangeBound(q.from, COMMUNE_TIME_ZONE, 'start')!;
  const to = q.to === undefined ? undefined : parseRangeBound(q.to, COMMUNE_TIME_ZONE, 'end')!;
  if (from !== undefined && to !== undefined && to <= from) throw badRequest('"to" must come after "from"', [{ path: 'to', message: 'before from' }]);
  if (q.class && q.label && q.class !== q.label) throw badRequest('"class" and "label" name the same filter: give one', [{ path: 'label', message: `differs from class ${q.class}` }]);
  return { communeCode: listCommune(person, q.commune), severity: q.severity === 'all' ? undefined : q.severity, state: q.state, hamletCode: q.hamlet, edgeId: q.edge, cameraId: q.camera, label: q.class ?? q.label, status: q.status, assigneeId: q.assignee, from, to };
}

/** The police queue: list, read, review and annotate incidents. */
export function createIncidentsRoutes({ guard, audit, store, notes, versions, review }: IncidentsRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    incidentRoute(guard, audit, 'incident.access_refused', {
      method: 'get',
      path: '/incidents',
      tags,
      summary: "Incidents (review items), newest first: alerts unless severity says otherwise; filtered by commune, hamlet, edge, camera, class, state, review status and time (a commune's police see only their commune's)",
      request: { query: incidentListQuery },
      responses: { 200: jsonContent(incidentPageSchema, 'One page of incidents with the total') },
    }),
    (c) => {
      const q = c.req.valid('query');
      const page = store.page(toFilter(q, currentUser(c)), q.limit, q.offset);
      return c.json({ items: page.items.map(incidentJson), total: page.total, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    incidentRoute(guard, audit, 'incident.access_refused', {
      method: 'get',
      path: '/incidents/{id}',
      tags,
      summary: "One incident (review item) with its objects, timeline, clip parts, the items it continues or is continued by, its review notes and the box's contradicting reports (versions)",
      request: { params: incidentIdParam },
      responses: { 200: jsonContent(incidentDetailSchema, 'The incident'), 404: jsonContent(z.object({}), 'No such incident') },
    }),
    (c) => {
      const { id } = c.req.valid('param');
      review.get(id, currentUser(c)); // 404 when there is none, or it is another commune's
      return c.json({ ...incidentItemJson(store.item(id)!), notes: notes.list(id), versions: versions.list(id) }, 200);
    },
  );

  app.openapi(
    incidentRoute(guard, audit, 'incident.access_refused', {
      method: 'patch',
      path: '/incidents/{id}',
      tags,
      summary: 'Review an incident: status, assignee, legal hold (each change is audited)',
      request: { params: incidentIdParam, body: jsonBody(incidentPatchSchema) },
      responses: {
        200: jsonContent(incidentSchema, 'The incident after the change'),
        404: jsonContent(z.object({}), 'No such incident'),
        409: jsonContent(z.object({}), 'The status cannot move that way; details name the allowed ones'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(incidentJson(await review.patch(id, c.req.valid('json'), currentUser(c), requestIp(c))), 200);
    },
  );

  app.openapi(
    incidentRoute(guard, audit, 'incident.access_refused', {
      method: 'post',
      path: '/incidents/{id}/notes',
      tags,
      summary: 'Add a review note',
      request: { params: incidentIdParam, body: jsonBody(newNoteSchema) },
      responses: { 201: jsonContent(noteSchema, 'The note'), 404: jsonContent(z.object({}), 'No such incident') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(await review.addNote(id, c.req.valid('json').text, currentUser(c), requestIp(c)), 201);
    },
  );

  return app;
}
