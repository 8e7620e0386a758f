import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE, edgeIdSchema, hamletCodeSchema, playbackStates } from '@smart-commune/shared';
import type { Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { badRequest } from '../../http/errors.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import { rangeBoundSchema } from '../schedules/http-schemas.js';
import { parseRangeBound } from '../schedules/local-time.js';
import { playbackCsv } from './playback-csv.js';
import type { PlaybackFilter, PlaybackStore } from './playback-store.js';
import { currentUser } from '../../http/access.js';
import type { Scoped } from '../../communes/scope.js';

const tags = ['Radio'];
/** The CSV export is one file: at most this many rows (about a year of a busy commune's bulletins). */
const MAX_CSV_ROWS = 200_000;

const filterQuery = z.object({
  edge: edgeIdSchema.optional(),
  hamlet: hamletCodeSchema.optional(),
  from: rangeBoundSchema.optional().openapi({ description: 'Planned start from: a local date YYYY-MM-DD (Asia/Ho_Chi_Minh) or an ISO 8601 date-time with offset' }),
  to: rangeBoundSchema.optional().openapi({ description: 'Planned start before: a local date (included) or an ISO 8601 date-time with offset (excluded)' }),
  state: z.enum(playbackStates).optional(),
  schedule: z.string().min(1).max(64).optional().openapi({ description: 'Only the plays of this schedule or alert' }),
  commune: z.string().min(1).max(64).optional().openapi({ description: "Only this commune's boxes (a province-level person's filter; a commune's people always see their own only)" }),
});

const pageQuery = filterQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const playbackSchema = z
  .object({
    eventId: z.string(),
    edgeId: z.string(),
    edgeName: z.string(),
    hamletCode: z.string().nullable(),
    hamletName: z.string().nullable(),
    communeCode: z.string().nullable(),
    title: z.string(),
    occurrenceId: z.string(),
    scheduleId: z.string(),
    bulletinId: z.string().nullable(),
    state: z.enum(playbackStates),
    plannedStartAt: z.number(),
    actualStartAt: z.number().nullable(),
    offsetMs: z.number().nullable(),
    durationMs: z.number().nullable(),
    reason: z.string().nullable(),
    zones: z.array(z.string()).nullable(),
    receivedAt: z.number(),
  })
  .openapi('PlaybackRecord');

const communeProgressSchema = z
  .object({
    communeCode: z.string().nullable(),
    communeName: z.string().nullable(),
    boxes: z.number().int(),
    hamlets: z.number().int(),
    starts: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    missed: z.number().int(),
    firstStartedAt: z.number().nullable(),
    lastStartedAt: z.number().nullable(),
  })
  .openapi('CommuneProgress');

/** A commune's people see their commune's boxes only, whatever they ask; a province-level person any, or the one asked. */
function toFilter(q: z.infer<typeof filterQuery>, person: Scoped): PlaybackFilter {
  const from = q.from === undefined ? undefined : parseRangeBound(q.from, COMMUNE_TIME_ZONE, 'start')!;
  const to = q.to === undefined ? undefined : parseRangeBound(q.to, COMMUNE_TIME_ZONE, 'end')!;
  if (from !== undefined && to !== undefined && to <= from) throw badRequest('"to" must come after "from"', [{ path: 'to', message: 'before from' }]);
  return { edgeId: q.edge, hamletCode: q.hamlet, from, to, state: q.state, scheduleId: q.schedule, communeCode: person.communeCode ?? q.commune };
}

/** Proof of play: JSON pages for the console and a CSV file for Excel. */
export function createPlaybackRoutes({ guard, playback }: { guard: Guard; playback: PlaybackStore }) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'radio.playback.read', {
      method: 'get',
      path: '/playback',
      tags,
      summary: 'Proof of play: what each box played and when, newest planned start first',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(z.object({ items: z.array(playbackSchema), total: z.number(), limit: z.number(), offset: z.number() }), 'One page of the log'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ ...(await playback.page(toFilter(q, currentUser(c)), q.limit, q.offset)), limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.playback.read', {
      method: 'get',
      path: '/playback.csv',
      tags,
      summary: 'Proof of play as CSV (UTF-8 with BOM, times in Asia/Ho_Chi_Minh), same filters',
      request: { query: filterQuery },
      responses: { 200: { description: 'hamlet, edge, title, occurrence, state, planned start, actual start, offset ms, duration s, reason', content: { 'text/csv': { schema: z.string() } } } },
    }),
    async (c) => {
      const csv = playbackCsv(await playback.all(toFilter(c.req.valid('query'), currentUser(c)), MAX_CSV_ROWS), COMMUNE_TIME_ZONE);
      return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="playback.csv"' });
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.playback.read', {
      method: 'get',
      path: '/playback/by-commune',
      tags,
      summary: "One schedule's or alert's proof of play per commune (a province-wide programme across the province); a commune's people get their commune's line only",
      request: { query: z.object({ schedule: z.string().min(1).max(64) }) },
      responses: { 200: jsonContent(z.object({ scheduleId: z.string(), communes: z.array(communeProgressSchema) }), 'One line per commune whose boxes reported it') },
    }),
    async (c) => {
      const { schedule } = c.req.valid('query');
      const person = currentUser(c);
      return c.json({ scheduleId: schedule, communes: await playback.byCommune(schedule, person.communeCode ?? undefined) }, 200);
    },
  );

  return app;
}

