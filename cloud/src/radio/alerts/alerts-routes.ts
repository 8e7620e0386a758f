import { OpenAPIHono, z } from '@hono/zod-openapi';
import { edgeIdSchema, hamletCodeSchema } from '@smart-commune/shared';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { routeBodyLimit } from '../../http/body-limit.js';
import { badRequest, errorJson } from '../../http/errors.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import { MAX_CAP_BYTES } from '../cap/cap-parser.js';
import { alertKinds, alertSeverities } from './alert-kinds.js';
import { alertDetail, alertDetailSchema, alertOut, alertSchema, heldAlertSchema, heldOut } from './alert-json.js';
import type { AlertService } from './alert-service.js';
import { alertStatuses } from './alert-store.js';
import type { PlaybackStore } from '../playback/playback-store.js';

const tags = ['Radio'];
/** Content types taken as a CAP 1.2 document. */
const CAP_TYPES = ['application/cap+xml', 'application/xml', 'text/xml'];

const newAlertSchema = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    text: z.string().trim().min(1).max(5000),
    severity: z.enum(alertSeverities),
    kind: z.enum(alertKinds).optional().openapi({ description: 'storm and flood repeat every 2 hours unless repeatEveryMinutes says otherwise' }),
    targets: z
      .object({
        all: z.boolean().optional().openapi({ description: "the whole of the sender's area: the province for a province-level person, their commune for a commune's" }),
        communes: z.array(z.string().min(1).max(64)).max(200).optional().openapi({ description: 'province-level people only: every hamlet of these communes' }),
        hamlets: z.array(hamletCodeSchema).max(1000).optional(),
        edges: z.array(edgeIdSchema).max(500).optional(),
      })
      .strict()
      .refine((t) => t.all === true || (t.communes?.length ?? 0) + (t.hamlets?.length ?? 0) + (t.edges?.length ?? 0) > 0, 'give all: true, or communes, hamlets and/or edges'),
    repeatEveryMinutes: z.number().int().min(5).max(24 * 60).nullable().optional().openapi({ description: 'null: play once' }),
    expiresAt: z.number().int().positive().openapi({ description: 'epoch ms' }),
    volume: z.number().int().min(0).max(100).optional(),
    voice: z.string().max(64).optional(),
    speed: z.number().int().min(80).max(300).optional().openapi({ description: 'speaking rate, words per minute (as for bulletins)' }),
  })
  .openapi('NewAlert');

const alertIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'alr_5k2m9q8x4c7t' }) });

/** Emergency alerts: JSON from the operator or CAP 1.2 from a warning system. */
export function createAlertsRoutes({ guard, alerts, playback }: { guard: Guard; alerts: AlertService; playback: PlaybackStore }) {
  const app = new OpenAPIHono<AppEnv>();
  const detail = alertDetail(alerts, playback);

  // a CAP document may be larger than the default body limit: up to MAX_CAP_BYTES, once the guard has let an operator in
  const capLimit = routeBodyLimit({ maxBytes: MAX_CAP_BYTES, refuse: (c) => errorJson(c, 413, 'payload_too_large', `an alert is at most ${MAX_CAP_BYTES / 1024} KiB`) });

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'post',
      path: '/alerts',
      tags,
      summary: 'Start an emergency alert: spoken, broadcast to every box at once, repeated until it expires',
      // issue 10: a province-level person's alert is the province's (issuer province: it ranks above a
      // commune's own on the boxes); a commune's person's stays in their commune
      description:
        'JSON, or an OASIS CAP 1.2 document (Content-Type application/cap+xml). CAP: only status Actual and scope Public are played; a message sent more than SC_CAP_MAX_AGE_S ago without expires is refused as stale, and one whose areas include no hamlet of the commune is refused; one whose areas cannot be placed, with no Vietnamese info, or (from a feed) from a sender not trusted is held for an operator (202). An operator posting CAP vouches for its sender. Update replaces the alerts it references, Cancel cancels them; a message already received returns what it became (200).',
      request: {
        body: {
          required: false,
          content: {
            'application/json': { schema: newAlertSchema },
            ...Object.fromEntries(CAP_TYPES.map((t) => [t, { schema: z.string().openapi({ description: 'CAP 1.2 XML' }) }])),
          },
        },
      },
      responses: {
        201: jsonContent(alertDetailSchema, 'The alert, started'),
        200: jsonContent(alertDetailSchema.or(heldAlertSchema), 'CAP: the alert (or held message) this message was already received as, or what a Cancel cancelled'),
        202: jsonContent(heldAlertSchema, 'CAP: held for an operator to confirm (reasons say why)'),
        422: jsonContent(z.object({}), 'A valid CAP message that is not played (status, scope, msgType, stale, expired, for elsewhere, unknown reference)'),
        502: jsonContent(z.object({}), 'Speech synthesis failed'),
      },
    }, capLimit),
    async (c) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const user = currentUser(c);
      if (CAP_TYPES.includes(type)) {
        const receipt = await alerts.receiveCap(await c.req.text(), user.id);
        if (receipt.kind === 'held') return c.json(heldOut(receipt.held), receipt.created ? 202 : 200);
        return c.json(await detail(receipt.alert, user), receipt.created ? 201 : 200);
      }
      if (type !== 'application/json') throw badRequest('send a JSON alert, or a CAP 1.2 document with Content-Type application/cap+xml');
      return c.json(await detail(await alerts.createFromJson(c.req.valid('json'), { id: user.id, communeCode: user.communeCode }), user), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'get',
      path: '/alerts',
      tags,
      summary: 'Alerts, newest first',
      request: { query: z.object({ status: z.enum(alertStatuses).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: jsonContent(z.object({ alerts: z.array(alertSchema) }), 'The alerts') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ alerts: (await alerts.list(q, currentUser(c))).map(alertOut) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'get',
      path: '/alerts/{id}',
      tags,
      summary: 'One alert with the hamlets it reaches',
      request: { params: alertIdParam },
      responses: { 200: jsonContent(alertDetailSchema, 'The alert') },
    }),
    async (c) => c.json(await detail(await alerts.get(c.req.valid('param').id, currentUser(c)), currentUser(c)), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'delete',
      path: '/alerts/{id}',
      tags,
      summary: 'Cancel an alert: every box stops it and drops the remaining repetitions',
      request: { params: alertIdParam },
      responses: { 200: jsonContent(alertDetailSchema, 'The alert, cancelled (unchanged when it had already ended)') },
    }),
    async (c) => c.json(await detail(await alerts.cancel(c.req.valid('param').id, currentUser(c)), currentUser(c)), 200),
  );

  return app;
}
