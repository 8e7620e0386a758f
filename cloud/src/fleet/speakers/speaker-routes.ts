import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { SpeakerAlarms } from './speaker-alarms.js';
import type { SpeakerHistory } from './speaker-history.js';
import type { SpeakerZones } from './speaker-zones.js';
import { alarmSchema, edgeZonesSchema, historyQuery, zoneChangeSchema, zoneParams, zoneViewSchema } from './speaker-schemas.js';
import { edgeIdParam } from '../http-schemas.js';
import { boxFilterOf, boxInScope, type BoxCommunes } from '../box-scope.js';
import { currentUser } from '../../http/access.js';

const tags = ['Fleet'];

/** Loudspeaker zones: their state and history, volume and mute, and the alarms on now. */
export function createSpeakerRoutes(deps: { guard: Guard; zones: SpeakerZones; history: SpeakerHistory; alarms: SpeakerAlarms; edges: BoxCommunes }) {
  const { guard, zones, history, alarms } = deps;
  const app = new OpenAPIHono<AppEnv>();
  const inScope = boxInScope(deps.edges);

  app.openapi(
    apiRoute(guard, 'fleet.edges.read', {
      method: 'get',
      path: '/speakers',
      tags,
      summary: "Every loudspeaker zone of every active box: volume and mute set, state the box reported, alarm",
      responses: { 200: jsonContent(z.object({ zones: z.array(zoneViewSchema) }), 'The zones, in hamlet order') },
    }),
    async (c) => c.json({ zones: await zones.all(boxFilterOf(currentUser(c))) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.read', {
      method: 'get',
      path: '/speakers/alarms',
      tags,
      summary: 'Loudspeaker zones down longer than SC_SPEAKER_ALARM_AFTER_S, oldest first',
      responses: { 200: jsonContent(z.object({ alarms: z.array(alarmSchema) }), 'The alarms on now') },
    }),
    async (c) => c.json({ alarms: await alarms.active(boxFilterOf(currentUser(c))) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.read', {
      method: 'get',
      path: '/edges/{id}/speakers',
      tags,
      summary: "A box's loudspeaker zones and their history (state transitions, newest first)",
      request: { params: edgeIdParam, query: historyQuery },
      responses: { 200: jsonContent(edgeZonesSchema, 'Zones and history'), 404: jsonContent(z.object({}), 'No such box') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      return c.json({ zones: await zones.ofEdge(id), history: await history.ofEdge(id, { zone: q.zone, limit: q.limit }) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.speakers.manage', {
      method: 'put',
      path: '/edges/{id}/speakers/{zone}',
      tags,
      summary: "Set a loudspeaker zone's volume (0–100) and/or mute; the box applies it live, without restarting what plays",
      request: { params: zoneParams, body: jsonBody(zoneChangeSchema) },
      responses: {
        200: jsonContent(zoneViewSchema, 'The zone with the new setting (applied is false until the box confirms)'),
        404: jsonContent(z.object({}), 'No such box, or the box has no such zone'),
        409: jsonContent(z.object({}), 'The box is revoked'),
      },
    }, inScope),
    async (c) => {
      const { id, zone } = c.req.valid('param');
      return c.json(await zones.change(id, zone, c.req.valid('json')), 200);
    },
  );

  return app;
}
