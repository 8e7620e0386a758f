import { OpenAPIHono, z } from '@hono/zod-openapi';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { badRequest } from '../../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import { scheduleOccurrenceId } from '../plan/plan-compiler.js';
import {
  calendarEntrySchema,
  conflictDetailsSchema,
  exceptionInputSchema,
  newScheduleSchema,
  occurrencesQuery,
  scheduleDetailSchema,
  scheduleIdParam,
  scheduleListQuery,
  schedulePatchSchema,
  scheduleSchema,
} from './http-schemas.js';
import { isoInZone, parseRangeBound } from './local-time.js';
import type { Occurrence } from './recurrence.js';
import type { Schedule } from './schedule-store.js';
import type { ScheduleService } from './schedule-service.js';
import { mayChange } from '../../communes/scope.js';
import type { User } from '../../users/user-store.js';

export interface SchedulesRoutesDeps {
  guard: Guard;
  schedules: ScheduleService;
  /** The commune a person's new schedule belongs to (radio-scope.ts communeForWrite). */
  communeFor(person: User, asked: string | null | undefined): Promise<string | null>;
}

const tags = ['Radio'];
const NEXT_OCCURRENCES = 10;
/** The calendar shows at most this long a range at once. */
const MAX_CALENDAR_MS = 62 * 86_400_000;

const conflictResponse = {
  description: 'It would overlap an item of the same priority on a shared loudspeaker; error.details.conflicts names each, with its first overlap in local time',
  content: { 'application/json': { schema: z.object({ error: z.object({ code: z.string(), message: z.string(), details: conflictDetailsSchema }) }) } },
};

const provinceItem = jsonContent(z.object({}), "The province's own schedule, asked by a commune's person (they read it, the province changes it)");

const occurrenceOut = (s: Schedule, o: Occurrence) => ({
  occurrenceId: scheduleOccurrenceId(s.id, o.originalAt),
  originalLocal: o.originalLocal,
  startLocal: o.startLocal,
  startAt: o.startAt,
  endAt: o.startAt + s.durationMs,
  moved: o.moved,
});

/** Schedules: one-off or recurring bulletins and relays for chosen hamlets, edges or speaker zones. */
export function createSchedulesRoutes({ guard, schedules, communeFor }: SchedulesRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const detail = (s: Schedule) => ({ ...s, nextOccurrences: schedules.upcoming(s, NEXT_OCCURRENCES).map((o) => occurrenceOut(s, o)) });

  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'get',
      path: '/schedules',
      tags,
      summary: "List schedules, optionally those reaching a hamlet, of a priority, enabled or not, or playing a bulletin; a commune's people see their commune's and the province's reaching it",
      request: { query: scheduleListQuery },
      responses: { 200: jsonContent(z.object({ schedules: z.array(scheduleSchema) }), 'The schedules by first start') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ schedules: await schedules.list({ hamlet: q.hamlet, priority: q.priority, enabled: q.enabled, bulletinId: q.bulletin }, currentUser(c)) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'post',
      path: '/schedules',
      tags,
      summary: 'Schedule a bulletin or a live relay, once or recurring, for all hamlets, some hamlets, some boxes or some speaker zones; a province-wide programme also for chosen communes',
      request: { body: jsonBody(newScheduleSchema) },
      responses: {
        201: jsonContent(scheduleDetailSchema, 'The new schedule and its next occurrences'),
        403: jsonContent(z.object({}), "A commune's person naming another commune or the province"),
        409: conflictResponse,
      },
    }),
    async (c) => {
      const person = currentUser(c);
      const { communeCode, ...input } = c.req.valid('json');
      return c.json(detail(await schedules.create(input, person.id, await communeFor(person, communeCode))), 201);
    },
  );

  // registered before /schedules/{id} so "occurrences" is not taken for an id
  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'get',
      path: '/schedules/occurrences',
      tags,
      summary: 'What plays where: every occurrence starting in [from, to) (at most 62 days), optionally only in one hamlet',
      request: { query: occurrencesQuery },
      responses: { 200: jsonContent(z.object({ timeZone: z.string(), occurrences: z.array(calendarEntrySchema) }), 'Occurrences by start') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const from = parseRangeBound(q.from, COMMUNE_TIME_ZONE, 'start')!;
      const to = parseRangeBound(q.to, COMMUNE_TIME_ZONE, 'end')!;
      if (to <= from || to - from > MAX_CALENDAR_MS) throw badRequest('"to" must come after "from", at most 62 days later', [{ path: 'to', message: 'out of range' }]);
      const person = currentUser(c);
      const occurrences = (await schedules.occurrences(from, to, q.hamlet, person)).map(({ schedule: s, occurrence: o, hamlets }) => ({
        ...occurrenceOut(s, o),
        startLocal: isoInZone(o.startAt, s.timeZone),
        scheduleId: s.id,
        title: s.title,
        priority: s.priority,
        sourceKind: s.source.kind,
        bulletinId: s.source.kind === 'bulletin' ? s.source.bulletinId : null,
        volume: s.volume,
        hamlets,
        communeCode: s.communeCode,
        issuer: s.communeCode === null ? ('province' as const) : ('commune' as const),
        editable: mayChange(person, s.communeCode),
      }));
      return c.json({ timeZone: COMMUNE_TIME_ZONE, occurrences }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'get',
      path: '/schedules/{id}',
      tags,
      summary: 'One schedule with its exceptions and next occurrences',
      request: { params: scheduleIdParam },
      responses: { 200: jsonContent(scheduleDetailSchema, 'The schedule') },
    }),
    async (c) => c.json(detail(await schedules.get(c.req.valid('param').id, currentUser(c))), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'patch',
      path: '/schedules/{id}',
      tags,
      summary: 'Change a schedule (checked for conflicts like a new one)',
      request: { params: scheduleIdParam, body: jsonBody(schedulePatchSchema) },
      responses: { 200: jsonContent(scheduleDetailSchema, 'The changed schedule'), 403: provinceItem, 409: conflictResponse },
    }),
    async (c) => c.json(detail(await schedules.update(c.req.valid('param').id, c.req.valid('json'), currentUser(c))), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'delete',
      path: '/schedules/{id}',
      tags,
      summary: 'Delete a schedule; its coming occurrences leave the plans',
      request: { params: scheduleIdParam },
      responses: { 204: { description: 'Deleted' }, 403: provinceItem },
    }),
    async (c) => {
      await schedules.delete(c.req.valid('param').id, currentUser(c));
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.schedules.manage', {
      method: 'post',
      path: '/schedules/{id}/exceptions',
      tags,
      summary: 'Skip or move one occurrence, named by its original local start (replaces an earlier exception for it)',
      request: { params: scheduleIdParam, body: jsonBody(exceptionInputSchema) },
      responses: { 200: jsonContent(scheduleDetailSchema, 'The schedule with its exceptions'), 403: provinceItem, 409: conflictResponse },
    }),
    async (c) => c.json(detail(await schedules.putException(c.req.valid('param').id, c.req.valid('json'), currentUser(c))), 200),
  );

  return app;
}
