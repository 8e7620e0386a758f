import { z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE, hamletCodeSchema, prioritySchema } from '@smart-commune/shared';
import { isValidZone, parseLocalMinute, parseRangeBound } from './local-time.js';
import { RecurrenceError, normalizeRrule } from './recurrence.js';
import { communeCodeInput } from '../scope/commune-input.js';
import { scheduleTargetsSchema } from './targets.js';

export const localMinuteSchema = z
  .string()
  .refine((v) => parseLocalMinute(v) !== null, 'must be a local time YYYY-MM-DDTHH:mm (seconds :ss optional)')
  .openapi({ example: '2026-12-01T05:30' });

/** A range bound: a local date `YYYY-MM-DD` or an ISO 8601 date-time with an offset. */
export const rangeBoundSchema = z
  .string()
  .refine((v) => parseRangeBound(v, COMMUNE_TIME_ZONE, 'start') !== null, 'must be a date YYYY-MM-DD or an ISO 8601 date-time with an offset')
  .openapi({ example: '2026-12-01' });

const rruleSchema = z
  .string()
  .max(500)
  .superRefine((value, ctx) => {
    try {
      normalizeRrule(value);
    } catch (err) {
      if (!(err instanceof RecurrenceError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  })
  .nullable()
  .openapi({
    description: 'RFC 5545 RRULE without DTSTART, in the schedule\'s local time; null for a one-off. Daily at 05:30 and 17:00: FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSETPOS=2,3',
    example: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH',
  });

const sourceInputSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('bulletin'), bulletinId: z.string().min(1).max(64) }),
    z.object({
      kind: z.literal('station'),
      /** A station of /api/v1/stations: the cloud pulls it and relays it to the targets in step (a relay live session per window). */
      stationId: z.string().min(1).max(64),
      /** The relay's time window: it ends on time whatever the stream does. */
      durationS: z.number().int().min(1).max(86_400),
    }),
    z.object({
      /** Older relays: each box pulls the URL itself (kept for existing plans; a station is the way now). */
      kind: z.literal('stream'),
      url: z
        .string()
        .url()
        .max(2000)
        .refine((u) => /^(https?|rtsp):\/\//i.test(u), 'must be an http, https or rtsp URL'),
      /** The relay's time window. */
      durationS: z.number().int().min(1).max(86_400),
    }),
  ])
  .openapi('ScheduleSourceInput');

const fields = {
  title: z.string().trim().min(1).max(200),
  source: sourceInputSchema,
  startsLocal: localMinuteSchema,
  timeZone: z.string().refine(isValidZone, 'must be an IANA time zone such as Asia/Ho_Chi_Minh'),
  rrule: rruleSchema,
  priority: prioritySchema,
  volume: z.number().int().min(0).max(100),
  targets: scheduleTargetsSchema,
  enabled: z.boolean(),
};

export const newScheduleSchema = z
  .object({
    ...fields,
    timeZone: fields.timeZone.default(COMMUNE_TIME_ZONE),
    rrule: fields.rrule.default(null),
    priority: fields.priority.default('normal'),
    volume: fields.volume.default(100),
    enabled: fields.enabled.default(true),
    communeCode: communeCodeInput,
  })
  .openapi('NewSchedule');

export const schedulePatchSchema = z.object(fields).partial().openapi('SchedulePatch');

export const exceptionInputSchema = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('skip'), occurrence: localMinuteSchema }),
    z.object({ action: z.literal('move'), occurrence: localMinuteSchema, movedTo: localMinuteSchema }),
  ])
  .openapi('ScheduleExceptionInput', { description: 'occurrence: the original local start of the occurrence to skip or move' });

export const scheduleIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'sch_5k2m9q8x4c7t' }) });

export const scheduleListQuery = z.object({
  hamlet: hamletCodeSchema.optional(),
  priority: prioritySchema.optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  bulletin: z.string().max(64).optional(),
});

export const occurrencesQuery = z.object({
  from: rangeBoundSchema,
  to: rangeBoundSchema,
  hamlet: hamletCodeSchema.optional(),
});

export const scheduleSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('bulletin'), bulletinId: z.string() }),
      z.object({ kind: z.literal('station'), stationId: z.string() }),
      z.object({ kind: z.literal('stream'), url: z.string() }),
    ]),
    durationMs: z.number(),
    startsLocal: z.string(),
    timeZone: z.string(),
    rrule: z.string().nullable(),
    priority: prioritySchema,
    volume: z.number(),
    targets: scheduleTargetsSchema,
    enabled: z.boolean(),
    communeCode: z.string().nullable().openapi({ description: "The commune it belongs to; null: the province's own (a province-wide programme)" }),
    createdBy: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    exceptions: z.array(z.object({ occurrenceLocal: z.string(), action: z.enum(['skip', 'move']), movedToLocal: z.string().nullable() })),
  })
  .openapi('Schedule');

const occurrenceSchema = z
  .object({
    occurrenceId: z.string(),
    originalLocal: z.string(),
    startLocal: z.string(),
    startAt: z.number(),
    endAt: z.number(),
    moved: z.boolean(),
  })
  .openapi('ScheduleOccurrence');

export const scheduleDetailSchema = scheduleSchema.extend({ nextOccurrences: z.array(occurrenceSchema) }).openapi('ScheduleDetail');

export const calendarEntrySchema = occurrenceSchema
  .extend({
    scheduleId: z.string(),
    title: z.string(),
    priority: prioritySchema,
    sourceKind: z.enum(['bulletin', 'station', 'stream']),
    bulletinId: z.string().nullable(),
    volume: z.number(),
    /** Hamlet codes it plays in (a commune's person: their commune's only). */
    hamlets: z.array(z.string()),
    communeCode: z.string().nullable(),
    /** Who issued it: the province's own items rank above a commune's within a priority on the box. */
    issuer: z.enum(['commune', 'province']),
    /** Whether the asking person may change it (a commune's people see the province's items read-only). */
    editable: z.boolean(),
  })
  .openapi('CalendarEntry');

export const conflictDetailsSchema = z
  .object({
    conflicts: z.array(z.object({ scheduleId: z.string(), title: z.string(), firstOverlapAt: z.number(), firstOverlapLocal: z.string() })),
  })
  .openapi('ScheduleConflicts');
