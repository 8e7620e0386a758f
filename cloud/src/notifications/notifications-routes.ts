import { OpenAPIHono, z } from '@hono/zod-openapi';
import { communeQueryParam, listCommune } from '../communes/edge-commune.js';
import { assertSees, type Scoped } from '../communes/scope.js';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { conflict, notFound } from '../http/errors.js';
import { apiRoute, jsonContent } from '../http/route.js';
import { rangeBoundSchema } from '../radio/schedules/http-schemas.js';
import { parseRangeBound } from '../radio/schedules/local-time.js';
import { DELIVERY_STATUSES, type Delivery, type DeliveryFilter } from './deliveries.js';
import type { OutboxStore } from './outbox.js';
import type { SubjectReach } from './reach.js';

const tags = ['Notifications'];

/** `alert:<id>`, `bulletin:<id>`, `incident:<id>`, `edge:<id>`: what a notification is about. */
export const subjectSchema = z
  .string()
  .regex(/^[a-z]+:[A-Za-z0-9_.:-]{1,120}$/, 'a subject is <kind>:<id>, e.g. alert:alr_0123456789')
  .openapi({ example: 'alert:alr_0123456789' });

/** The filters of the admins' list (the API and the console page take the same). */
export const deliveryFilterQuery = z.object({
  commune: communeQueryParam,
  channel: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a channel name such as webpush or zalo').optional().openapi({ example: 'zalo' }),
  status: z.enum(DELIVERY_STATUSES).optional(),
  subject: subjectSchema.optional(),
  since: rangeBoundSchema.optional().openapi({ description: 'Created from: a local date YYYY-MM-DD (Asia/Ho_Chi_Minh) or an ISO 8601 date-time with offset' }),
});

const deliveriesQuery = deliveryFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** The store's filter as `person` may read the outbox: a commune's admin only their commune's messages. */
export const toDeliveryFilter = (q: z.infer<typeof deliveryFilterQuery>, person: Scoped): DeliveryFilter => ({
  communeCode: listCommune(person, q.commune),
  channel: q.channel,
  status: q.status,
  subject: q.subject,
  since: q.since === undefined ? undefined : parseRangeBound(q.since, COMMUNE_TIME_ZONE, 'start')!,
});

const attemptSchema = z.object({
  at: z.number(),
  outcome: z.enum(['sent', 'retry', 'failed', 'interrupted']),
  reason: z.string().nullable(),
  durationMs: z.number(),
});

const deliverySchema = z
  .object({
    id: z.number(),
    channel: z.string(),
    idempotencyKey: z.string(),
    recipient: z.string(),
    subject: z.string(),
    event: z.string(),
    content: z.object({ title: z.string(), body: z.string(), path: z.string(), tag: z.string().optional() }),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().openapi({ description: 'Attempts made so far' }),
    nextAttemptAt: z.number().nullable().openapi({ description: 'When a queued message is tried (again)' }),
    lastError: z.string().nullable(),
    createdAt: z.number(),
    sentAt: z.number().nullable(),
    providerId: z.string().nullable(),
    communeCode: z.string().nullable().openapi({ description: "The commune whose message it is (its subject's); null: the province's own" }),
    history: z.array(attemptSchema).openapi({ description: 'The attempts, oldest first (the last 50)' }),
  })
  .openapi('NotificationDelivery');

const channelReachSchema = z.object({
  channel: z.string(),
  queued: z.number(),
  sending: z.number(),
  sent: z.number(),
  failed: z.number(),
  firstSentAt: z.number().nullable(),
  lastSentAt: z.number().nullable(),
});

const reachSchema = z
  .object({
    subject: z.string(),
    channels: z.array(channelReachSchema),
    loudspeakers: z
      .object({
        starts: z.number().openapi({ description: 'Proof-of-play starts reported by boxes' }),
        hamlets: z.number().openapi({ description: 'Hamlets where a box started it' }),
        firstStartedAt: z.number().nullable(),
        lastStartedAt: z.number().nullable(),
      })
      .nullable()
      .openapi({ description: 'For an alert or a bulletin; null for other subjects' }),
  })
  .openapi('NotificationReach');

const deliveryJson = (d: Delivery) => d;

export interface NotificationsRoutesDeps {
  guard: Guard;
  store: OutboxStore;
  audit: AuditLog;
  /** Wakes the dispatcher after a retry-now. */
  wake: () => void;
  reach: (subject: string, communeCode?: string) => Promise<SubjectReach>;
}

/** The admins' view of what was sent where, retry-now, and "where it went" for operators. */
export function createNotificationsRoutes({ guard, store, audit, wake, reach }: NotificationsRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(guard, 'notifications.deliveries.manage', {
      method: 'get',
      path: '/notifications/deliveries',
      tags,
      summary: 'Notifications in the outbox, newest first, with each delivery attempt and its reason; filtered by channel, status, subject and time',
      request: { query: deliveriesQuery },
      responses: {
        200: jsonContent(z.object({ items: z.array(deliverySchema), total: z.number(), limit: z.number(), offset: z.number() }), 'One page of the outbox'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await store.page(toDeliveryFilter(q, currentUser(c)), q.limit, q.offset);
      return c.json({ items: page.items.map(deliveryJson), total: page.total, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'notifications.deliveries.manage', {
      method: 'post',
      path: '/notifications/deliveries/{id}/retry',
      tags,
      summary: 'Tries a given-up notification again now (audited); one more failure gives it up again with the new reason',
      request: { params: z.object({ id: z.coerce.number().int().positive().openapi({ example: 42 }) }) },
      responses: {
        200: jsonContent(deliverySchema, 'The message, queued'),
        404: jsonContent(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'No such message'),
        409: jsonContent(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'The message was not given up (queued, being sent or sent)'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      // another commune's message (or the province's) is not a commune admin's to retry: not found
      const found = await store.get(id);
      if (found) assertSees(currentUser(c), found.communeCode, `notification ${id}`, { provinceItems: false });
      const result = await store.retryNow(id);
      if (result === 'not_found') throw notFound(`notification ${id}`);
      const message = (await store.get(id))!;
      if (result === 'not_failed') throw conflict(`notification ${id} is ${message.status}, not given up: only a given-up one can be tried again`);
      await audit.record({
        actor: actorOf(currentUser(c)),
        action: 'notification.retry',
        target: `notification:${id}`,
        details: { channel: message.channel, subject: message.subject, attempts: message.attempts, lastError: message.lastError },
        ip: requestIp(c),
      });
      wake();
      return c.json(deliveryJson(message), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'notifications.reach.read', {
      method: 'get',
      path: '/notifications/subjects/{subject}',
      tags,
      summary: 'Where an alert or a bulletin went: per channel how many notifications wait, were sent or given up, and when; its loudspeaker starts',
      request: { params: z.object({ subject: subjectSchema }) },
      responses: { 200: jsonContent(reachSchema, 'Per channel, and the loudspeakers') },
    }),
    async (c) => {
      const { subject } = c.req.valid('param');
      const person = currentUser(c);
      // another commune's subject is not found; a province item's reach is read in the person's commune only
      assertSees(person, await store.subjectCommune(subject), subject);
      return c.json(await reach(subject, person.communeCode ?? undefined), 200);
    },
  );
  return app;
}
