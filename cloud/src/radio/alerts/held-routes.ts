import { OpenAPIHono, z } from '@hono/zod-openapi';
import { hamletCodeSchema } from '@smart-commune/shared';
import { requestIp } from '../../audit/request-ip.js';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { PlaybackStore } from '../playback/playback-store.js';
import { alertDetail, alertDetailSchema, heldAlertSchema, heldOut } from './alert-json.js';
import type { AlertService } from './alert-service.js';
import { heldStatuses } from './held-store.js';

const tags = ['Radio'];

const heldIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'hld_5k2m9q8x4c7t' }) });

const confirmSchema = z
  .object({
    targets: z
      .object({ all: z.boolean().optional(), hamlets: z.array(hamletCodeSchema).max(50).optional() })
      .strict()
      .optional()
      .openapi({ description: 'all: true, or the hamlets; absent: the hamlets the message\'s areas include' }),
    title: z.string().trim().max(200).optional(),
    text: z.string().trim().min(1).max(5000).optional().openapi({ description: 'The Vietnamese words to read out; required when the message has no Vietnamese info' }),
    note: z.string().trim().max(500).optional(),
  })
  .strict()
  .openapi('ConfirmHeldAlert');

/** CAP messages held for an operator: listed with their reasons, confirmed (the alert starts) or rejected. */
export function createHeldAlertsRoutes({ guard, alerts, playback }: { guard: Guard; alerts: AlertService; playback: PlaybackStore }) {
  const app = new OpenAPIHono<AppEnv>();
  const detail = alertDetail(alerts, playback);
  const person = (c: Parameters<typeof currentUser>[0]) => {
    const user = currentUser(c);
    return { id: user.id, username: user.username, communeCode: user.communeCode };
  };

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'get',
      path: '/alerts/held',
      tags,
      summary: 'CAP messages held for an operator, newest first (default: those still waiting)',
      request: { query: z.object({ status: z.enum(heldStatuses).default('held'), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: jsonContent(z.object({ held: z.array(heldAlertSchema) }), 'The held messages with their reasons') },
    }),
    async (c) => c.json({ held: (await alerts.listHeld(c.req.valid('query'), currentUser(c))).map(heldOut) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'get',
      path: '/alerts/held/{id}',
      tags,
      summary: 'One held CAP message',
      request: { params: heldIdParam },
      responses: { 200: jsonContent(heldAlertSchema, 'The held message') },
    }),
    async (c) => c.json(heldOut(await alerts.getHeld(c.req.valid('param').id, currentUser(c))), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'post',
      path: '/alerts/held/{id}/confirm',
      tags,
      summary: 'Confirm a held CAP message: the alert starts in the hamlets chosen, with the Vietnamese text given',
      request: { params: heldIdParam, body: jsonBody(confirmSchema) },
      responses: {
        201: jsonContent(z.object({ held: heldAlertSchema, alert: alertDetailSchema }), 'The message, confirmed, and the alert it started'),
        409: jsonContent(z.object({}), 'No longer held (confirmed, rejected, superseded or cancelled)'),
        422: jsonContent(z.object({}), 'Expired while it was held'),
      },
    }),
    async (c) => {
      const { held, alert } = await alerts.confirmHeld(c.req.valid('param').id, c.req.valid('json'), person(c), requestIp(c));
      return c.json({ held: heldOut(held), alert: await detail(alert, currentUser(c)) }, 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'post',
      path: '/alerts/held/{id}/reject',
      tags,
      summary: 'Reject a held CAP message: it never plays',
      request: { params: heldIdParam, body: jsonBody(z.object({ note: z.string().trim().max(500).optional() }).strict()) },
      responses: { 200: jsonContent(heldAlertSchema, 'The message, rejected'), 409: jsonContent(z.object({}), 'No longer held') },
    }),
    async (c) => c.json(heldOut(await alerts.rejectHeld(c.req.valid('param').id, c.req.valid('json').note ?? null, person(c), requestIp(c))), 200),
  );

  return app;
}
