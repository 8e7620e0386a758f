import { z } from '@hono/zod-openapi';
import { communeQueryParam } from '../communes/edge-commune.js';
import { hamletCodeSchema } from '@smart-commune/shared';
import { API_PREFIX } from '../http/app.js';
import { rangeBoundSchema } from '../radio/schedules/http-schemas.js';
import { REPORT_CATEGORIES, REPORT_STATUS_LABELS, reportStatuses, trackingCodeSchema, type ReportCategory } from './report-schemas.js';
import type { ReportRecord } from './report-store.js';

const categoryIds = Object.keys(REPORT_CATEGORIES) as [ReportCategory, ...ReportCategory[]];

export const codeParam = z.object({
  code: trackingCodeSchema.openapi({ param: { name: 'code', in: 'path' }, example: '7KQ2M9XH', description: 'The tracking code (8 Crockford base32 characters; case, dashes, O/0 and I/L/1 forgiven)' }),
});

/** What anyone with the code may see: no description, phone, location or photo. */
export const publicReportSchema = z
  .object({
    code: z.string(),
    status: z.enum(reportStatuses),
    statusLabel: z.string(),
    category: z.enum(categoryIds),
    categoryLabel: z.string(),
    hamletCode: z.string(),
    hamletName: z.string().nullable(),
    communeCode: z.string().nullable().openapi({ description: "The commune of the report's hamlet (issue 10); its citizens' pages are under /xa/{communeCode}/" }),
    createdAt: z.number(),
    updatedAt: z.number(),
    publicReply: z.string().nullable(),
    repliedAt: z.number().nullable(),
  })
  .openapi('PublicReportStatus');

export const reportSchema = publicReportSchema
  .extend({
    id: z.string(),
    description: z.string(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    phone: z.string().nullable(),
    photo: z.object({ sha256: z.string(), bytes: z.number(), url: z.string() }).nullable(),
    handledBy: z.string().nullable(),
  })
  .openapi('Report');

/** In the police queue: what the report is about, without the reporter's phone or exact place. */
export const reportSummarySchema = reportSchema.omit({ phone: true, lat: true, lon: true }).openapi('ReportSummary');
export const reportPageSchema = z.object({ items: z.array(reportSummarySchema), total: z.number(), limit: z.number(), offset: z.number() }).openapi('ReportPage');

export const reportListQuery = z.object({
  status: z.enum(reportStatuses).optional(),
  hamlet: hamletCodeSchema.optional(),
  commune: communeQueryParam,
  category: z.enum(categoryIds).optional(),
  from: rangeBoundSchema.optional(),
  to: rangeBoundSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const reportPatchSchema = z
  .object({
    status: z.enum(reportStatuses).optional(),
    publicReply: z.string().trim().max(2000).nullable().optional().openapi({ description: 'Shown to anyone with the tracking code; no personal data. null removes it' }),
  })
  .refine((p) => p.status !== undefined || p.publicReply !== undefined, 'give status or publicReply')
  .openapi('ReportPatch');

export const photoUrl = (code: string) => `${API_PREFIX}/reports/${code}/photo.jpg`;

export function publicReportJson(r: ReportRecord): z.infer<typeof publicReportSchema> {
  return {
    code: r.code,
    status: r.status,
    statusLabel: REPORT_STATUS_LABELS[r.status],
    category: r.category,
    categoryLabel: REPORT_CATEGORIES[r.category],
    hamletCode: r.hamletCode,
    hamletName: r.hamletName,
    communeCode: r.communeCode,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    publicReply: r.publicReply,
    repliedAt: r.repliedAt,
  };
}

export function reportJson(r: ReportRecord): z.infer<typeof reportSchema> {
  return {
    ...publicReportJson(r),
    id: r.id,
    description: r.description,
    lat: r.lat,
    lon: r.lon,
    phone: r.phone,
    photo: r.photo && { ...r.photo, url: photoUrl(r.code) },
    handledBy: r.handledBy,
  };
}

export function reportSummaryJson(r: ReportRecord): z.infer<typeof reportSummarySchema> {
  const { phone: _phone, lat: _lat, lon: _lon, ...summary } = reportJson(r);
  return summary;
}

export type PublicReportStatus = z.infer<typeof publicReportSchema>;
