import { OpenAPIHono, z } from '@hono/zod-openapi';
import { prioritySchema } from '@smart-commune/shared';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Guard } from '../../http/access.js';
import { assertMayChange, assertSees } from '../../communes/scope.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { conflict, heldElsewhere } from '../../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { EdgeDirectory } from '../plan/edge-directory.js';
import { targetsSchema } from '../schedules/targets.js';
import { probeStation } from './probe-station.js';
import { relayEndReasons } from './relay-run-store.js';
import type { RelayService, RelayView } from './relay-service.js';
import type { StationStore } from './station-store.js';
import { stationUrlSchema } from './stream-input.js';

const tags = ['Radio'];
const stationsAction = 'radio.stations.manage' as const;
const relaysAction = 'radio.relays.manage' as const;

const stationFields = {
  name: z.string().trim().min(1).max(100).openapi({ example: 'VOV1 — Đài Tiếng nói Việt Nam' }),
  url: stationUrlSchema,
  fallbackUrl: stationUrlSchema.nullable().openapi({ description: 'tried after the primary fails SC_RELAY_SWITCH_AFTER_FAILURES times in a row; null for none' }),
};
const newStationSchema = z.object({ ...stationFields, fallbackUrl: stationFields.fallbackUrl.optional() }).strict().openapi('NewStation');
const stationPatchSchema = z.object(stationFields).partial().strict().openapi('StationPatch');
const stationSchema = z
  .object({ id: z.string(), name: z.string(), url: z.string(), fallbackUrl: z.string().nullable(), createdBy: z.string().nullable(), createdAt: z.number(), updatedAt: z.number(), communeCode: z.string().nullable().openapi({ description: "The commune whose station it is; null: the province's (every commune may relay it)" }) })
  .openapi('Station');

const probeSchema = z
  .object({
    ok: z.boolean().openapi({ description: 'true: a sound stream the cloud can relay' }),
    message: z.string().openapi({ description: 'what was found, in Vietnamese, for the operator' }),
    reason: z.enum(['unreachable', 'not_audio', 'no_answer']).optional(),
    detail: z.string().optional().openapi({ description: "the server's or ffprobe's own words" }),
    kind: z.enum(['hls', 'http']).optional(),
    format: z.string().optional(),
    codec: z.string().optional(),
    sampleRate: z.number().optional(),
    channels: z.number().optional(),
    bitRate: z.number().nullable().optional(),
  })
  .openapi('StationCheck');

const liveStateSchema = z
  .object({
    status: z.enum(['connecting', 'playing', 'reconnecting', 'stopped']),
    url: z.string(),
    onFallback: z.boolean(),
    bytes: z.number().openapi({ description: 'decoded audio received from the station, bytes' }),
    reconnects: z.number(),
    consecutiveFailures: z.number(),
    lastError: z.string().nullable(),
    playedMs: z.number(),
    silenceMs: z.number(),
    bufferedMs: z.number(),
  })
  .openapi('RelayStreamState');

const relaySchema = z
  .object({
    id: z.string(),
    stationId: z.string(),
    stationName: z.string(),
    scheduleId: z.string().nullable(),
    occurrenceId: z.string().nullable(),
    sessionId: z.string().nullable().openapi({ description: 'the relay live session; the boxes report proof of play as occurrence relay:{sessionId}' }),
    title: z.string(),
    priority: prioritySchema,
    targets: targetsSchema,
    startedBy: z.string().nullable(),
    startedAt: z.number(),
    endsAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    endReason: z.enum(relayEndReasons).nullable(),
    playedMs: z.number().openapi({ description: "ms of the station's audio sent to the boxes" }),
    silenceMs: z.number().openapi({ description: 'ms of silence: nothing came from the station (cut, reconnecting)' }),
    bytes: z.number(),
    reconnects: z.number(),
    urls: z.array(z.object({ url: z.string(), role: z.enum(['primary', 'fallback']), playedMs: z.number() })),
    lastError: z.string().nullable(),
    communeCode: z.string().nullable().openapi({ description: "The commune whose relay it is; null: the province's" }),
    live: liveStateSchema.nullable().openapi({ description: 'the stream while on air; null once over' }),
    hamletCodes: z.array(z.string()).openapi({ description: 'the hamlets the relay session plays in' }),
    edges: z.array(z.string()),
    hamlets: z
      .array(z.object({ hamletCode: z.string(), firstStartedAt: z.number().nullable(), lastState: z.string().nullable() }))
      .openapi({ description: "proof of play per hamlet: the boxes' reports of occurrence relay:{sessionId} (first start, latest state)" }),
  })
  .openapi('Relay');

const newRelaySchema = z
  .object({
    stationId: z.string().min(1).max(64),
    title: z.string().trim().min(1).max(200).optional(),
    priority: prioritySchema.default('normal'),
    targets: targetsSchema,
    durationS: z.number().int().min(5).max(86_400).nullable().default(null).openapi({ description: 'ends on its own after this long; null: until stopped' }),
  })
  .strict()
  .openapi('NewRelay');

const idParam = (example: string) => z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example }) });

export interface RelaysRoutesDeps {
  guard: Guard;
  stations: StationStore;
  relays: RelayService;
  directory: EdgeDirectory;
  audit: AuditLog;
  /** SC_RELAY_STALL_S: how long a check waits for the station. */
  checkTimeoutMs: number;
  now(): number;
}

/** Stations the commune relays (tiếp sóng), checks of their URLs, and relays started now or stopped. */
export function createRelaysRoutes(deps: RelaysRoutesDeps) {
  const { guard, stations, relays } = deps;
  const app = new OpenAPIHono<AppEnv>();
  const out = (r: RelayView) => r;
  // another commune's station answers as none; the province's is seen by every commune, changed by none of them
  const visibleStation = async (c: Parameters<typeof currentUser>[0], id: string) => {
    const station = await stations.get(id);
    assertSees(currentUser(c), station.communeCode, `station ${id}`);
    return station;
  };
  const changeableStation = async (c: Parameters<typeof currentUser>[0], id: string) => {
    const station = await stations.get(id);
    assertMayChange(currentUser(c), station.communeCode, `station ${id}`);
    return station;
  };

  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'get',
      path: '/stations',
      tags,
      summary: 'The stations the commune relays, by name',
      responses: { 200: jsonContent(z.object({ stations: z.array(stationSchema) }), 'The stations') },
    }),
    async (c) => c.json({ stations: await stations.list(currentUser(c).communeCode ?? undefined) }, 200),
  );

  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'post',
      path: '/stations',
      tags,
      summary: 'Add a station: a name, its stream URL (Icecast/HTTP MP3 or AAC, or HLS .m3u8) and an optional fallback URL',
      request: { body: jsonBody(newStationSchema) },
      responses: { 201: jsonContent(stationSchema, 'The station'), 409: jsonContent(z.object({}), 'A station already has that name') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const station = await stations.add({ name: body.name, url: body.url, fallbackUrl: body.fallbackUrl ?? null }, currentUser(c).id, deps.now(), currentUser(c).communeCode);
      await deps.audit.record({ actor: currentUser(c).username, action: 'radio.station_add', target: `station:${station.id}`, details: { name: station.name } });
      return c.json(station, 201);
    },
  );

  // before /stations/{id} so "check" is not taken for an id
  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'post',
      path: '/stations/check',
      tags,
      summary: 'Check a stream URL before saving it: ffprobe says whether it is sound the cloud can relay, and what (in Vietnamese)',
      request: { body: jsonBody(z.object({ url: stationUrlSchema }).strict()) },
      responses: { 200: jsonContent(probeSchema, 'What the check found (ok false: why it cannot be relayed)') },
    }),
    async (c) => c.json(await probeStation(c.req.valid('json').url, deps.checkTimeoutMs), 200),
  );

  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'get',
      path: '/stations/{id}',
      tags,
      summary: 'One station',
      request: { params: idParam('stn_5k2m9q8x4c7t') },
      responses: { 200: jsonContent(stationSchema, 'The station') },
    }),
    async (c) => c.json(await visibleStation(c, c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'patch',
      path: '/stations/{id}',
      tags,
      summary: "Rename a station or change its URLs (a relay on air keeps the URLs it started with)",
      request: { params: idParam('stn_5k2m9q8x4c7t'), body: jsonBody(stationPatchSchema) },
      responses: { 200: jsonContent(stationSchema, 'The station') },
    }),
    async (c) => {
      await changeableStation(c, c.req.valid('param').id);
      const station = await stations.update(c.req.valid('param').id, c.req.valid('json'), deps.now());
      await deps.audit.record({ actor: currentUser(c).username, action: 'radio.station_change', target: `station:${station.id}`, details: { fields: Object.keys(c.req.valid('json')) } });
      return c.json(station, 200);
    },
  );

  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'delete',
      path: '/stations/{id}',
      tags,
      summary: 'Delete a station no schedule relays and that is not on air (past relays keep its name)',
      request: { params: idParam('stn_5k2m9q8x4c7t') },
      responses: { 204: { description: 'Deleted' }, 409: jsonContent(z.object({}), 'A schedule relays it, or it is on air') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await changeableStation(c, id);
      const onAir = (await relays.list()).find((r) => r.stationId === id && r.live !== null);
      if (onAir) throw conflict(`the station is on air (relay ${onAir.id}): stop the relay first`, { relayId: onAir.id });
      await stations.delete(id);
      await deps.audit.record({ actor: currentUser(c).username, action: 'radio.station_delete', target: `station:${id}` });
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, stationsAction, {
      method: 'post',
      path: '/stations/{id}/check',
      tags,
      summary: "Check a saved station's URL and fallback URL with ffprobe",
      request: { params: idParam('stn_5k2m9q8x4c7t') },
      responses: { 200: jsonContent(z.object({ primary: probeSchema, fallback: probeSchema.nullable() }), 'What each check found') },
    }),
    async (c) => {
      const station = await visibleStation(c, c.req.valid('param').id);
      const [primary, fallback] = await Promise.all([
        probeStation(station.url, deps.checkTimeoutMs),
        station.fallbackUrl ? probeStation(station.fallbackUrl, deps.checkTimeoutMs) : Promise.resolve(null),
      ]);
      return c.json({ primary, fallback }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, relaysAction, {
      method: 'get',
      path: '/relays',
      tags,
      summary: "Relays on air (with the stream's state and the hamlets playing) and the latest ones (with what actually played)",
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: { 200: jsonContent(z.object({ relays: z.array(relaySchema) }), 'Newest first, those on air first') },
    }),
    async (c) => c.json({ relays: (await relays.list(c.req.valid('query').limit, currentUser(c).communeCode ?? undefined)).map(out) }, 200),
  );

  app.openapi(
    apiRoute(guard, relaysAction, {
      method: 'post',
      path: '/relays',
      tags,
      summary: 'Relay a station now to chosen hamlets, boxes or zones, until stopped or for a duration; refused (502) when neither of its URLs answers',
      request: { body: jsonBody(newRelaySchema) },
      responses: {
        201: jsonContent(relaySchema, 'The relay, on air'),
        502: jsonContent(z.object({}), 'station_unreachable: neither URL answers with a stream; nothing was started (details.errors)'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      await deps.directory.assertTargetsExist(body.targets);
      const user = currentUser(c);
      // a commune relays its own stations and the province's, to its own hamlets (the live session refuses others')
      await visibleStation(c, body.stationId);
      const relay = await relays.start({
        stationId: body.stationId,
        title: body.title,
        priority: body.priority,
        targets: body.targets,
        startedBy: user.id,
        communeCode: user.communeCode,
        endsAt: null,
        durationMs: body.durationS === null ? null : body.durationS * 1000,
        requireReachable: true,
      });
      await deps.audit.record({ actor: user.username, action: 'radio.relay_start', target: `relay:${relay.id}`, details: { stationId: relay.stationId, sessionId: relay.sessionId, priority: relay.priority, endsAt: relay.endsAt } });
      return c.json(out(relay), 201);
    },
  );

  app.openapi(
    apiRoute(guard, relaysAction, {
      method: 'get',
      path: '/relays/{id}',
      tags,
      summary: 'One relay',
      request: { params: idParam('rly_5k2m9q8x4c7t') },
      responses: { 200: jsonContent(relaySchema, 'The relay') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const relay = await relays.view(id);
      assertSees(currentUser(c), relay.communeCode, `relay ${id}`);
      return c.json(out(relay), 200);
    },
  );

  app.openapi(
    apiRoute(guard, relaysAction, {
      method: 'post',
      path: '/relays/{id}/stop',
      tags,
      summary: 'Stop a relay now (a relay already over is returned as it is)',
      request: { params: idParam('rly_5k2m9q8x4c7t') },
      responses: {
        200: jsonContent(relaySchema, 'The relay, ended'),
        503: jsonContent(z.object({}), 'On air in another cloud process (held_elsewhere): try again, the load balancer sends the retry to another process'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      const current = await relays.view(id);
      assertMayChange(user, current.communeCode, `relay ${id}`);
      const wasRunning = relays.isRunning(id);
      // open on record but not relayed here: another process (several behind a load balancer) has it on air
      if (!wasRunning && current.endedAt === null) throw heldElsewhere(`relay ${id}`);
      const relay = await relays.stop(id, user.id);
      if (wasRunning) await deps.audit.record({ actor: user.username, action: 'radio.relay_stop', target: `relay:${id}`, details: { playedMs: relay.playedMs, silenceMs: relay.silenceMs } });
      return c.json(out(relay), 200);
    },
  );

  return app;
}
