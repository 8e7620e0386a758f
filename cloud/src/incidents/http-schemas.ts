import { z } from '@hono/zod-openapi';
import { edgeIdSchema, hamletCodeSchema, objectClassSchema, reviewSeverities, surveillanceIdSchema, timelineKinds } from '@smart-commune/shared';
import { communeQueryParam } from '../communes/edge-commune.js';
import { API_PREFIX } from '../http/app.js';
import { rangeBoundSchema } from '../radio/schedules/http-schemas.js';
import { reviewStatuses, type IncidentItem, type IncidentRecord } from './incident-records.js';

export const incidentIdParam = z.object({
  // the contract's incidentId pattern (shared schemas cannot carry .openapi())
  id: z.string().regex(/^inc_[A-Za-z0-9_-]{8,60}$/, 'must look like inc_…').openapi({ param: { name: 'id', in: 'path' }, example: 'inc_01hx5k2m9q8x4c7t' }),
});

export const incidentListQuery = z.object({
  severity: z
    .enum([...reviewSeverities, 'all'])
    .default('alert')
    .openapi({ description: 'alert (the default: the police queue), detection (kept, outside the queue) or all' }),
  state: z.enum(['open', 'closed']).optional().openapi({ description: 'open: activity still going on; closed: ended' }),
  commune: communeQueryParam,
  hamlet: hamletCodeSchema.optional(),
  edge: edgeIdSchema.optional(),
  camera: surveillanceIdSchema.optional(),
  class: objectClassSchema.optional().openapi({ description: 'Items with an object of this class (COCO label; any object of the item, not only the main one), e.g. person or car' }),
  label: objectClassSchema.optional().openapi({ description: 'The same filter as class, under the name incidents carry it' }),
  status: z.enum(reviewStatuses).optional(),
  assignee: z.string().max(64).optional().openapi({ description: 'User id of the assignee' }),
  from: rangeBoundSchema.optional().openapi({ description: 'Detected from: a local date YYYY-MM-DD (Asia/Ho_Chi_Minh) or an ISO 8601 date-time with offset' }),
  to: rangeBoundSchema.optional().openapi({ description: 'Detected before: a local date (included) or an ISO 8601 date-time with offset (excluded)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const mediaSchema = z.object({
  sha256: z.string().openapi({ description: 'The hash the edge computed when it wrote the file' }),
  bytes: z.number(),
  /** True once the cloud holds bytes with exactly that hash. */
  verified: z.boolean().openapi({ description: 'True once the cloud received bytes whose sha256 equals the edge\'s hash; false while the upload is pending' }),
  receivedAt: z.number().nullable(),
  url: z.string().openapi({ description: 'Where to fetch it (police and admin; every fetch is audited)' }),
});

const boxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const announcedSchema = z.object({ sha256: z.string(), bytes: z.number() });

export const incidentSchema = z
  .object({
    id: z.string(),
    edgeId: z.string(),
    edgeName: z.string().nullable(),
    hamletCode: z.string().nullable(),
    hamletName: z.string().nullable(),
    communeCode: z.string().nullable().openapi({ description: "The box's commune when the incident arrived" }),
    cameraId: z.string(),
    ruleId: z.string(),
    zoneId: z.string().nullable(),
    label: z.string(),
    score: z.number(),
    trackId: z.number(),
    startedAt: z.number(),
    detectedAt: z.number(),
    endedAt: z.number().nullable(),
    box: boxSchema.openapi({ description: 'Normalised 0..1 picture coordinates' }),
    snapshot: mediaSchema.nullable(),
    clip: mediaSchema.extend({ durationMs: z.number() }).nullable().openapi({ description: "The clip's first part (the whole clip of a one-part item); the item's parts are in the detail" }),
    severity: z.enum(reviewSeverities).openapi({ description: 'alert: the police queue; detection: kept and searchable' }),
    state: z.enum(['open', 'closed']).openapi({ description: 'open while the box still reports activity' }),
    continues: z.string().nullable().openapi({ description: 'The item this one continues (that one reached its maximum length)' }),
    flood: z.boolean().openapi({ description: 'The camera was over its flood limit when the item opened: activity was merged' }),
    status: z.enum(reviewStatuses),
    assignee: z.object({ id: z.string(), username: z.string(), displayName: z.string() }).nullable(),
    legalHold: z.boolean(),
    receivedAt: z.number().openapi({ description: "When the cloud received the box's first report (retention counts from here, not from detectedAt)" }),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('Incident');

export const noteSchema = z
  .object({ id: z.string(), incidentId: z.string(), text: z.string(), authorId: z.string().nullable(), authorName: z.string(), createdAt: z.number() })
  .openapi('IncidentNote');

export const versionSchema = z
  .object({
    version: z.number().openapi({ description: 'From 2 on; version 1 is the facts shown on the incident' }),
    eventId: z.string(),
    sentAt: z.number().openapi({ description: "The event's timestamp as the box sent it" }),
    receivedAt: z.number(),
    changed: z.array(z.string()).openapi({ description: 'The facts that differ from the record', example: ['label', 'detectedAt'] }),
    // the incident's own facts as the box reported them; files as announced (not yet verified)
    facts: incidentSchema
      .pick({ cameraId: true, ruleId: true, zoneId: true, label: true, score: true, trackId: true, startedAt: true, detectedAt: true, endedAt: true, box: true })
      .extend({ snapshot: announcedSchema.nullable(), clip: announcedSchema.extend({ durationMs: z.number() }).nullable() }),
  })
  .openapi('IncidentVersion', {
    description: 'A later report from the box that contradicted the incident once it was under review or had a verified file: kept and audited, never applied',
  });

export const incidentObjectSchema = z
  .object({
    trackId: z.number(),
    label: z.string(),
    score: z.number(),
    zoneIds: z.array(z.string()),
    ruleIds: z.array(z.string()),
    firstSeenAt: z.number(),
    lastSeenAt: z.number(),
    box: boxSchema,
    snapshot: mediaSchema.nullable().openapi({ description: "The object's best picture" }),
  })
  .openapi('IncidentObject');

export const timelineEntrySchema = z
  .object({ at: z.number(), trackId: z.number(), label: z.string(), kind: z.enum(timelineKinds), zoneId: z.string().optional() })
  .openapi('IncidentTimelineEntry', { description: 'An object entered, left, stopped moving (stationary) or moved again (active); oldest first' });

export const clipPartSchema = mediaSchema
  .extend({ index: z.number(), startMs: z.number().openapi({ description: "Wall-clock time of the part's first frame" }), durationMs: z.number() })
  .openapi('IncidentClipPart', { description: 'Parts follow each other: played in index order they are the whole item' });

export const incidentDetailSchema = incidentSchema
  .extend({
    objects: z.array(incidentObjectSchema),
    timeline: z.array(timelineEntrySchema),
    parts: z.array(clipPartSchema),
    continuedBy: z.string().nullable().openapi({ description: 'The item continuing this one after it reached its maximum length' }),
    notes: z.array(noteSchema),
    versions: z.array(versionSchema),
  })
  .openapi('IncidentDetail');

export const incidentPageSchema = z.object({ items: z.array(incidentSchema), total: z.number(), limit: z.number(), offset: z.number() }).openapi('IncidentPage');

export const incidentPatchSchema = z
  .object({
    status: z.enum(reviewStatuses).optional().openapi({ description: 'new → reviewing → confirmed | dismissed; confirmed or dismissed → reviewing reopens' }),
    assigneeId: z.string().max(64).nullable().optional().openapi({ description: 'An active police or admin user; null unassigns' }),
    legalHold: z.boolean().optional().openapi({ description: 'On hold, retention never deletes the incident' }),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'give at least one of status, assigneeId, legalHold')
  .openapi('IncidentPatch');

export const newNoteSchema = z.object({ text: z.string().trim().min(1).max(4000) }).openapi('NewIncidentNote');

export const mediaUrl = (id: string, kind: 'snapshot' | 'clip') => `${API_PREFIX}/incidents/${id}/${kind === 'snapshot' ? 'snapshot.jpg' : 'clip.mp4'}`;

export const objectSnapshotUrl = (id: string, trackId: number) => `${API_PREFIX}/incidents/${id}/objects/${trackId}/snapshot.jpg`;
export const clipPartUrl = (id: string, index: number) => `${API_PREFIX}/incidents/${id}/parts/${index}/clip.mp4`;

const withUrl = <M extends { receivedAt: number | null }>(m: M, url: string) => ({ ...m, verified: m.receivedAt !== null, url });

/** The API form of a whole item: the incident with its objects' pictures and clip parts, each with its URL. */
export function incidentItemJson(item: IncidentItem) {
  const { objects, timeline, parts, continuedBy, ...record } = item;
  return {
    ...incidentJson(record),
    objects: objects.map((o) => ({ ...o, snapshot: o.snapshot === null ? null : withUrl(o.snapshot, objectSnapshotUrl(item.id, o.trackId)) })),
    timeline,
    parts: parts.map((p) => withUrl(p, clipPartUrl(item.id, p.index))),
    continuedBy,
  };
}

/** The API form of an incident: media with its verification state and URL. */
export function incidentJson(incident: IncidentRecord): z.infer<typeof incidentSchema> {
  const media = <M extends { receivedAt: number | null }>(m: M | null, kind: 'snapshot' | 'clip') =>
    m === null ? null : { ...m, verified: m.receivedAt !== null, url: mediaUrl(incident.id, kind) };
  return { ...incident, snapshot: media(incident.snapshot, 'snapshot'), clip: media(incident.clip, 'clip') };
}
