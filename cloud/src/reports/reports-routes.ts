import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import type { HonoRequest } from 'hono';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { routeBodyLimit } from '../http/body-limit.js';
import { ApiError, badRequest, errorJson } from '../http/errors.js';
import { mediaResponse } from '../http/media-response.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { parseRangeBound } from '../radio/schedules/local-time.js';
import { reportFor } from './report-scope.js';
import { listCommune } from '../communes/edge-commune.js';
import { codeParam, publicReportJson, publicReportSchema, reportJson, reportListQuery, reportPageSchema, reportPatchSchema, reportSchema, reportSummaryJson } from './http-schemas.js';
import type { ReportIntake } from './report-intake.js';
import type { ReportPhotos } from './report-photo.js';
import type { ReportStore } from './report-store.js';

export interface ReportsRoutesDeps {
  guard: Guard;
  audit: AuditLog;
  bus: DomainEventBus;
  store: ReportStore;
  intake: ReportIntake;
  photos: ReportPhotos;
  maxPhotoBytes: number;
}

const tags = ['Reports'];
/** Repeated fetches of a photo within this window count as one viewing in the audit log. */
const VIEW_WINDOW_MS = 10 * 60_000;

/** The report form's fields from a multipart or urlencoded body, or JSON; the photo beside them. */
export async function readSubmission(req: HonoRequest): Promise<{ fields: Record<string, unknown>; photo: File | null }> {
  if ((req.header('content-type') ?? '').startsWith('application/json')) {
    const json: unknown = await req.json().catch(() => {
      throw badRequest('nội dung JSON không đọc được');
    });
    return { fields: typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {}, photo: null };
  }
  const body = await req.parseBody();
  const fields = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string'));
  return { fields, photo: body.photo instanceof File ? body.photo : null };
}

/**
 * Public: file a report, follow it by code. Police and admin: the queue, a report (audited), its
 * photo, its status — a commune's people only their commune's (another's answers 404, issue 10).
 */
export function createReportsRoutes({ guard, audit, bus, store, intake, photos, maxPhotoBytes }: ReportsRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  // the photo and the form's fields; a public route, so there is no role to check first
  const limit = routeBodyLimit({
    maxBytes: maxPhotoBytes + 64 * 1024,
    refuse: (c) => errorJson(c, 413, 'photo_too_large', `phản ánh quá lớn; ảnh tối đa ${Math.floor(maxPhotoBytes / 1e6)} MB`),
  });

  app.openapi(
    apiRoute(guard, 'public', {
      method: 'post',
      path: '/reports',
      tags,
      summary: 'A citizen files a report (no login; multipart form with an optional photo, or JSON)',
      description:
        'Fields: category, description, hamlet, optional lat and lon, optional phone (a Vietnamese number), optional photo (an image, re-encoded as JPEG without metadata). Rate-limited per client address, counting accepted reports only (20 per 10 minutes; refused submissions have an allowance of 60 of their own): 429 with a Vietnamese message, details.retryAfterS and Retry-After.',
      responses: {
        201: jsonContent(publicReportSchema, 'The stored report with its tracking code'),
        413: jsonContent(z.object({}), 'The photo is too large'),
        429: jsonContent(z.object({}), 'Too many reports from this client'),
      },
    }, limit),
    async (c) => {
      const submission = await readSubmission(c.req);
      const record = await intake.submit({ ...submission, client: requestIp(c) }).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 429) c.header('retry-after', String((err.details as { retryAfterS: number }).retryAfterS));
        throw err;
      });
      return c.json(publicReportJson(record), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'public', {
      method: 'get',
      path: '/reports/{code}',
      tags,
      summary: 'The public status of a report by its tracking code (no personal data)',
      request: { params: codeParam },
      responses: { 200: jsonContent(publicReportSchema, 'Status, category, hamlet, dates and the police reply'), 404: jsonContent(z.object({}), 'No report with that code') },
    }),
    async (c) => {
      c.header('cache-control', 'no-store');
      return c.json(publicReportJson(await store.byCode(c.req.valid('param').code)), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'reports.review', {
      method: 'get',
      path: '/reports',
      tags,
      summary: "Citizens' reports, newest first, without the reporters' phone numbers or positions",
      request: { query: reportListQuery },
      responses: { 200: jsonContent(reportPageSchema, 'One page of reports with the total') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const from = q.from === undefined ? undefined : parseRangeBound(q.from, COMMUNE_TIME_ZONE, 'start')!;
      const to = q.to === undefined ? undefined : parseRangeBound(q.to, COMMUNE_TIME_ZONE, 'end')!;
      // a province-level person may narrow the list to one commune; a commune's people always get theirs (as incidents do)
      const page = await store.page({ communeCode: listCommune(currentUser(c), q.commune), status: q.status, hamletCode: q.hamlet, category: q.category, from, to }, q.limit, q.offset);
      return c.json({ items: page.items.map(reportSummaryJson), total: page.total, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'reports.review', {
      method: 'get',
      path: '/reports/{code}/details',
      tags,
      summary: 'A whole report with the phone number and position (each viewing is audited)',
      request: { params: codeParam },
      responses: { 200: jsonContent(reportSchema, 'The report'), 404: jsonContent(z.object({}), 'No such report') },
    }),
    async (c) => {
      const report = await reportFor(store, currentUser(c), c.req.valid('param').code);
      await audit.record({ actor: actorOf(currentUser(c)), action: 'report.view', target: `report:${report.code}`, ip: requestIp(c) });
      c.header('cache-control', 'private, no-store');
      return c.json(reportJson(report), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'reports.review', {
      method: 'get',
      path: '/reports/{code}/photo.jpg',
      tags,
      summary: "The reporter's photo (JPEG, metadata removed); viewings are audited",
      request: { params: codeParam },
      responses: { 200: { description: 'The photo', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } }, 404: jsonContent(z.object({}), 'No report or no photo') },
    }),
    async (c) => {
      const report = await reportFor(store, currentUser(c), c.req.valid('param').code);
      if (!report.photo) throw new ApiError(404, 'not_found', `report ${report.code} has no photo`);
      await audit.recordOnce({ actor: actorOf(currentUser(c)), action: 'report.photo_view', target: `report:${report.code}`, details: { sha256: report.photo.sha256 }, ip: requestIp(c) }, VIEW_WINDOW_MS);
      return mediaResponse(c, photos.media, photos.keyOf(report.photo.sha256), 'image/jpeg', { 'cache-control': 'private, no-store', etag: `"${report.photo.sha256}"` });
    },
  );

  app.openapi(
    apiRoute(guard, 'reports.review', {
      method: 'patch',
      path: '/reports/{code}',
      tags,
      summary: 'Change the status of a report and its public reply (audited)',
      request: { params: codeParam, body: jsonBody(reportPatchSchema) },
      responses: { 200: jsonContent(reportSchema, 'The report after the change'), 404: jsonContent(z.object({}), 'No such report') },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const change = c.req.valid('json');
      const user = currentUser(c);
      const before = await reportFor(store, user, code);
      const after = await store.update(code, change, user.id);
      await audit.record({ actor: actorOf(user), action: 'report.update', target: `report:${code}`, details: { from: before.status, to: after.status, replied: change.publicReply !== undefined }, ip: requestIp(c) });
      if (after.status !== before.status) bus.publish('report.status_changed', { reportId: after.id, code, hamletCode: after.hamletCode, communeCode: after.communeCode, from: before.status, to: after.status, by: user.id });
      return c.json(reportJson(after), 200);
    },
  );

  return app;
}
