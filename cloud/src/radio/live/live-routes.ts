import { existsSync } from 'node:fs';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { edgeIdSchema, hamletCodeSchema, issuers, liveEndReasons, liveSources, priorities, zoneNameSchema } from '@smart-commune/shared';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { ApiError, forbidden, heldElsewhere, notFound } from '../../http/errors.js';
import { assertMayChange, assertSees } from '../../communes/scope.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { PlaybackStore } from '../playback/playback-store.js';
import type { LiveSessions } from './live-sessions.js';
import { tailStream } from './live-tail.js';
import type { LiveSessionView } from './live-types.js';

const tags = ['Radio'];

const newLiveSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    priority: z.enum(priorities).openapi({ description: 'Thông tư 39: emergency cuts in at once; priority and normal wait for the playing item' }),
    targets: z
      .object({
        all: z.boolean().optional().openapi({ description: "the whole of the speaker's area: the province for a province-level person, their commune for a commune's" }),
        communes: z.array(z.string().min(1).max(64)).max(200).optional().openapi({ description: 'province-level people only: every hamlet of these communes' }),
        hamlets: z.array(hamletCodeSchema).max(1000).optional(),
        edges: z.array(edgeIdSchema).max(500).optional(),
      })
      .strict()
      .refine((t) => t.all === true || (t.communes?.length ?? 0) + (t.hamlets?.length ?? 0) + (t.edges?.length ?? 0) > 0, 'give all: true, or communes, hamlets and/or edges'),
    zones: z.array(zoneNameSchema).max(20).nullable().optional().openapi({ description: 'speaker zones on each box; absent or null: all of them' }),
  })
  .strict()
  .openapi('NewLiveSession');

const hamletPlaySchema = z.object({ hamletCode: z.string(), firstStartedAt: z.number().nullable(), lastState: z.string() });

const liveSessionSchema = z
  .object({
    id: z.string(),
    source: z.enum(liveSources),
    title: z.string(),
    priority: z.enum(priorities),
    status: z.enum(['on_air', 'ended']),
    edges: z.array(z.string()),
    hamletCodes: z.array(z.string()),
    zones: z.array(z.string()).nullable(),
    communeCode: z.string().nullable().openapi({ description: "The commune whose session it is; null: the province's" }),
    issuer: z.enum(issuers).openapi({ description: "province: the boxes rank it above a commune's own items of its priority" }),
    startedBy: z.string().nullable(),
    origin: z.string().nullable(),
    startedAt: z.number(),
    epoch: z.number().openapi({ description: 'cloud time (epoch ms) at which the first sample plays on the loudspeakers' }),
    endsAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    endReason: z.enum(liveEndReasons).nullable(),
    endDetail: z.string().nullable(),
    bytes: z.number(),
    durationMs: z.number(),
    bulletinId: z.string().nullable().openapi({ description: 'the archive bulletin of the recording (voice), once made' }),
    streamPath: z.string(),
  })
  .openapi('LiveSession');

const liveDetailSchema = liveSessionSchema.extend({ hamlets: z.array(hamletPlaySchema).openapi({ description: 'proof of play per hamlet: when a box there first started it, its latest state' }) }).openapi('LiveSessionDetail');

const idParam = z.object({ id: z.string().regex(/^lvs_[0-9a-z]{12}$/).openapi({ param: { name: 'id', in: 'path' }, example: 'lvs_5k2m9q8x4c7t' }) });

const detail = async (playback: PlaybackStore, s: LiveSessionView) => ({
  ...s,
  hamlets: [...(await playback.progressByHamlet(s.id))].map(([hamletCode, p]) => ({ hamletCode, firstStartedAt: p.firstStartedAt, lastState: p.lastState })),
});

/** Live sessions: start (the operator's voice), list, follow, stop; and the boxes' stream. */
export function createLiveRoutes({ guard, live, playback, audit }: { guard: Guard; live: LiveSessions; playback: PlaybackStore; audit: AuditLog }) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'post',
      path: '/radio/live',
      tags,
      summary: "Start a live voice session: the chosen hamlets play the operator's voice in step",
      description:
        "The session's clock starts now: its stream is silence until the operator's audio arrives (the console's live page sends it over a WebSocket), and ends 'interrupted' when no audio came for 5 s. Every targeted box plays sample k at epoch + k/48 ms.",
      request: { body: jsonBody(newLiveSchema) },
      responses: {
        201: jsonContent(liveDetailSchema, 'The session, on air'),
        409: jsonContent(z.object({}), 'Too many sessions on air'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = currentUser(c);
      // a province-level person speaks for the province (any commune, issuer province); a commune's person to their commune
      const { session } = await live.start({ source: 'voice', title: body.title, priority: body.priority, targets: body.targets, zones: body.zones ?? null, startedBy: user.id, communeCode: user.communeCode });
      await audit.record({ actor: user.username, action: 'live.started', target: `live:${session.id}`, details: { priority: session.priority, hamlets: session.hamletCodes, zones: session.zones } });
      return c.json(await detail(playback, session), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'get',
      path: '/radio/live',
      tags,
      summary: 'Live sessions (voice and relays), newest first',
      request: { query: z.object({ status: z.enum(['on_air', 'ended']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: jsonContent(z.object({ sessions: z.array(liveSessionSchema) }), 'The sessions') },
    }),
    async (c) => {
      const { communeCode } = currentUser(c);
      return c.json({ sessions: await live.list({ ...c.req.valid('query'), ...(communeCode !== null ? { commune: communeCode } : {}) }) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'get',
      path: '/radio/live/{id}',
      tags,
      summary: 'One live session with the hamlets playing it',
      request: { params: idParam },
      responses: { 200: jsonContent(liveDetailSchema, 'The session') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const session = await live.get(id);
      assertSees(currentUser(c), session.communeCode, `live session ${id}`);
      return c.json(await detail(playback, session), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'post',
      path: '/radio/live/{id}/stop',
      tags,
      summary: 'Stop a live session: the boxes play what was said up to now, then stop (proof of play completed)',
      request: { params: idParam },
      responses: {
        200: jsonContent(liveDetailSchema, 'The session, ended (unchanged when it had already ended)'),
        503: jsonContent(z.object({}), 'On air in another cloud process (held_elsewhere): try again, the load balancer sends the retry to another process'),
      },
    }),
    async (c) => {
      const user = currentUser(c);
      const { id } = c.req.valid('param');
      const current = await live.get(id);
      assertMayChange(user, current.communeCode, `live session ${id}`);
      const wasOnAir = current.status === 'on_air';
      // on air in another process (several behind a load balancer): only that one can stop it
      if (wasOnAir && !live.tailOf(id)) throw heldElsewhere(`live session ${id}`);
      const session = await live.stop(id, user.id);
      if (wasOnAir) await audit.record({ actor: user.username, action: 'live.stopped', target: `live:${id}`, details: { durationMs: session.durationMs } });
      return c.json(await detail(playback, session), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'device', {
      method: 'get',
      path: '/radio/live/{id}/stream',
      tags,
      summary: "A live session's Ogg Opus stream, for the boxes it targets: from byte 0, growing until the session ends",
      description:
        'Chunked; the response ends when the session has ended and every byte was sent. `Range: bytes=N-` resumes after a dropped link. Only the boxes the session targets may read it; at most SC_LIVE_MAX_READERS at once per session.',
      request: { params: idParam },
      responses: {
        200: { description: 'Ogg Opus', content: { 'audio/ogg': { schema: z.string() } } },
        206: { description: 'Ogg Opus from the asked byte', content: { 'audio/ogg': { schema: z.string() } } },
        404: jsonContent(z.object({}), 'Unknown session'),
        503: jsonContent(z.object({}), 'Too many readers of this session, or (held_elsewhere) it is on air in another cloud process: try again'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const edgeId = c.get('edgeId');
      const session = await live.get(id);
      if (!edgeId || !session.edges.includes(edgeId)) throw forbidden(`live session ${id} does not play on box ${edgeId ?? '?'}`);
      const file = await live.fileOf(id);
      if (!file) throw notFound(`live session ${id}`);
      // no tail: it has ended, and its end is on record; read on air above, it ended while the file's
      // path was read: its final size is the record's now
      const tail = live.tailOf(id) ?? (await endedTailOrElsewhere(live, session));
      // an ended session's recording is on the disk of the process that had it on air
      if (!live.tailOf(id) && !existsSync(file)) throw notFound(`the recording of live session ${id} on this cloud process`);
      const range = /^bytes=(\d+)-$/.exec(c.req.header('range') ?? '');
      const start = range ? Number(range[1]) : 0;
      if (tail.ended && start > tail.bytes) return c.body(null, 416, { 'content-range': `bytes */${tail.bytes}` });
      if (tail.readers >= live.maxReaders) throw new ApiError(503, 'unavailable', `live session ${id} has ${tail.readers} readers already`);
      tail.readers++;
      live.readerOpened();
      const stream = tailStream(file, tail, start, () => {
        tail.readers--;
        live.readerClosed();
      });
      const headers: Record<string, string> = { 'content-type': 'audio/ogg', 'cache-control': 'no-store', 'x-accel-buffering': 'no' };
      if (range) headers['content-range'] = `bytes ${start}-*/*`;
      return c.body(stream, range ? 206 : 200, headers);
    },
  );

  return app;
}

/** No tail here: an ended session's (from its record), or 503 when it is on air in another process. */
async function endedTailOrElsewhere(live: LiveSessions, session: LiveSessionView) {
  // read on air above, it may have ended while the file's path was read: its final size is the record's now
  const now = session.status === 'ended' ? session : await live.get(session.id);
  if (now.status === 'on_air') {
    // the session ended here in between has a record that says so; on air with no tail: another process's
    if (!live.tailOf(session.id)) throw heldElsewhere(`live session ${session.id}`);
  }
  return live.tailOf(session.id) ?? live.endedTail(now);
}
