import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import { hamletCodeSchema, LIVE_VOICE_PATH, prioritySchema, zoneNameSchema, type LiveVoiceServerMessage } from '@smart-commune/shared';
import { CSRF_HEADER, csrfMatches, sessionCookie } from '../../auth/session-cookie.js';
import { currentUser, type Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { HamletProgress } from '../playback/playback-store.js';
import type { LiveSessionsApi, LiveSessionView } from '../live/live-types.js';
import type { VoiceIngest } from './voice-ingest.js';

const tags = ['Radio'];
/** Paths below API_PREFIX (the app mounts these routes there). */
const BASE = LIVE_VOICE_PATH.replace(/^\/api\/v1/, '');

const newVoiceSchema = z
  .object({
    title: z.string().trim().min(1).max(200).openapi({ example: 'Thông báo của UBND xã' }),
    priority: prioritySchema.openapi({ description: 'Thông tư 39: emergency cuts in at once; priority and normal follow the usual preemption and resume rules' }),
    targets: z
      .object({ all: z.literal(true).optional(), hamlets: z.array(hamletCodeSchema).min(1).max(50).optional() })
      .strict()
      .refine((t) => (t.all === true) !== (t.hamlets !== undefined), 'give all: true, or hamlets (not both)'),
    zones: z.array(zoneNameSchema).min(1).max(20).nullable().default(null).openapi({ description: 'Speaker zones on the chosen boxes; null for all of them' }),
  })
  .openapi('NewLiveVoice');

const sessionIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'lvs_5k2m9q8x4c7t' }) });

const hamletStates = ['waiting', 'playing', 'done', 'interrupted', 'failed'] as const;
type HamletState = (typeof hamletStates)[number];

const voiceStateSchema = z
  .object({
    session: z.object({
      id: z.string(),
      title: z.string(),
      priority: prioritySchema,
      status: z.enum(['on_air', 'ended']),
      startedAt: z.number(),
      epoch: z.number(),
      endedAt: z.number().nullable(),
      endReason: z.string().nullable(),
      endDetail: z.string().nullable(),
      zones: z.array(z.string()).nullable(),
      bulletinId: z.string().nullable(),
      durationMs: z.number(),
    }),
    socketPath: z.string(),
    link: z
      .object({ connected: z.boolean(), connections: z.number(), lastAudioAt: z.number().nullable(), receivedBytes: z.number(), decodedMs: z.number(), lastError: z.string().nullable() })
      .nullable()
      .openapi({ description: "The operator's link while the cloud holds it (null once forgotten, a minute after the end)" }),
    hamlets: z.array(z.object({ code: z.string(), name: z.string(), state: z.enum(hamletStates), startedAt: z.number().nullable() })),
  })
  .openapi('LiveVoiceState');

export interface VoiceRoutesDeps {
  guard: Guard;
  ingest: VoiceIngest;
  live: Pick<LiveSessionsApi, 'get'>;
  /** Hono's WebSocket upgrade of @hono/node-ws, bound to the app's server. */
  upgrade: UpgradeWebSocket;
  /** The commune's hamlets in their usual order. */
  hamlets(): { code: string; name: string }[];
  /** Active boxes and where they are. */
  boxes(): { id: string; hamletCode: string }[];
  /** Speaker zones a box has (its configuration), for refusing a zone that does not exist. */
  zonesOf(edgeId: string): string[];
  /** Proof of play of a session by hamlet (the session id is the plays' schedule id). */
  progress(sessionId: string): Map<string, HamletProgress>;
  /** SC_PUBLIC_URL: its origin is also the console's own behind a TLS proxy. */
  publicUrl: string | undefined;
}

/**
 * The operator's own voice, live: open a session for chosen hamlets (and zones) at a priority, then
 * stream the microphone into it over a WebSocket; follow it (which hamlets play it) until it ends.
 * Stopping is the live sessions' own `POST /radio/live/{id}/stop` (or `{"type":"stop"}` on the socket).
 */
export function createVoiceRoutes(deps: VoiceRoutesDeps) {
  const { guard, ingest } = deps;
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'post',
      path: BASE,
      tags,
      summary: "Open a live voice session: the operator's microphone, live on the chosen hamlets' loudspeakers",
      description:
        'Then open the WebSocket at `socketPath` within 10 s and send the microphone as WebM/Opus (MediaRecorder `audio/webm;codecs=opus`, a piece every 100 ms). The session ends interrupted when no audio arrives for SC_LIVE_VOICE_LINK_GRACE_S.',
      request: { body: jsonBody(newVoiceSchema) },
      responses: {
        201: jsonContent(voiceStateSchema, 'The session, on air (silence until the microphone streams)'),
        409: jsonContent(z.object({}), 'As many voice sessions are on air as the cloud takes (SC_LIVE_VOICE_MAX_SESSIONS)'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = currentUser(c);
      checkZones(deps, body.targets, body.zones);
      const session = await ingest.open({ title: body.title, priority: body.priority, targets: body.targets, zones: body.zones }, user.id);
      return c.json(stateOf(deps, session), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'get',
      path: `${BASE}/{id}`,
      tags,
      summary: "A live voice session as the live page follows it: state, the operator's link, which hamlets play it",
      request: { params: sessionIdParam },
      responses: { 200: jsonContent(voiceStateSchema, 'The session'), 404: jsonContent(z.object({}), 'No such voice session') },
    }),
    (c) => {
      const session = voiceSession(deps, c.req.valid('param').id);
      return c.json(stateOf(deps, session), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'get',
      path: `${BASE}/{id}/socket`,
      tags,
      summary: "The operator's microphone stream (WebSocket)",
      description:
        'Upgrade: websocket. With the console\'s session cookie: `Origin` must be the console\'s own and `?csrf=` the page\'s CSRF token; with a bearer token neither is needed. Only the person who opened the session may stream into it. Binary messages: the WebM/Opus stream, at most 32 KiB each (larger closes with 1009) and 64 KiB/s sustained (more closes with 4429). Text: `{"type":"stop"}`. The cloud sends `{"type":"ready"}` and, at the end, `{"type":"ended","reason","detail"}`.',
      request: { params: sessionIdParam, query: z.object({ csrf: z.string().max(200).optional() }) },
      responses: {
        101: { description: 'Switching to the WebSocket' },
        403: jsonContent(z.object({}), 'Another person opened this session, or (cookie) the Origin or CSRF token is wrong'),
        404: jsonContent(z.object({}), 'No such voice session'),
        410: jsonContent(z.object({}), 'The session has ended'),
        426: jsonContent(z.object({}), 'Not a WebSocket upgrade'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      checkBrowserOrigin(c, deps.publicUrl);
      const refused = ingest.refusal(id, user.id);
      if (refused) throw refused;
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new ApiError(426, 'upgrade_required', 'this path is a WebSocket: send Upgrade: websocket');
      let handlers: ReturnType<VoiceIngest['attach']> | null = null;
      return deps.upgrade(c, {
        onOpen: (_event, ws) => {
          handlers = ingest.attach(id, adapt(ws));
        },
        onMessage: (event, ws) => {
          const data = event.data;
          if (typeof data === 'string') {
            if (isStop(data)) handlers?.onStop();
            else ws.close(1003, 'text messages are JSON commands: {"type":"stop"}');
            return;
          }
          if (data instanceof ArrayBuffer) handlers?.onBinary(Buffer.from(data));
        },
        onClose: () => handlers?.onClose(),
      }) as unknown as Response;
    },
  );

  return app;
}

const isStop = (text: string) => {
  try {
    return (JSON.parse(text) as { type?: unknown }).type === 'stop';
  } catch {
    return false;
  }
};

function adapt(ws: WSContext): { send(message: LiveVoiceServerMessage): void; close(code: number, reason: string): void } {
  return {
    send: (message) => {
      if (ws.readyState === 1) ws.send(JSON.stringify(message));
    },
    close: (code, reason) => ws.close(code, reason),
  };
}

/**
 * A browser sends the session cookie on a WebSocket to this host from any page, so a socket opened
 * with the cookie must come from the console's own page: its Origin the address the request came to
 * (or SC_PUBLIC_URL, behind a TLS proxy), and the page's CSRF token in the query, which a page of
 * another site cannot read. A program with a bearer token is not a browser and needs neither.
 */
function checkBrowserOrigin(c: Context<AppEnv>, publicUrl: string | undefined): void {
  if (/^Bearer\s/i.test(c.req.header('authorization') ?? '')) return;
  const cookie = sessionCookie(c);
  if (!cookie) return; // the guard let in no one else
  const origin = c.req.header('origin');
  const host = c.req.header('host');
  const allowed = new Set<string>();
  if (host) for (const scheme of ['http', 'https']) allowed.add(`${scheme}://${host}`.toLowerCase());
  if (publicUrl) allowed.add(new URL(publicUrl).origin.toLowerCase());
  if (!origin || !allowed.has(origin.toLowerCase())) {
    throw new ApiError(403, 'origin_refused', `a live voice socket opened with the session cookie must come from the console's own page (Origin ${origin ?? 'missing'})`);
  }
  if (!csrfMatches(cookie, c.req.query('csrf') ?? c.req.header(CSRF_HEADER))) {
    throw new ApiError(403, 'csrf_token_invalid', "a live voice socket opened with the session cookie needs the page's CSRF token as ?csrf=");
  }
}

/** A voice session by id: 404 for none, and for a relay (this API is the voice's). */
function voiceSession(deps: VoiceRoutesDeps, id: string): LiveSessionView {
  let session: LiveSessionView;
  try {
    session = deps.live.get(id);
  } catch {
    throw new ApiError(404, 'not_found', `live voice session ${id} not found`);
  }
  if (session.source !== 'voice') throw new ApiError(404, 'not_found', `live session ${id} is not a live voice session`);
  return session;
}

/** Refuses hamlets that do not exist, and zones no chosen box has, naming them. */
function checkZones(deps: VoiceRoutesDeps, targets: { all?: true; hamlets?: string[] }, zones: string[] | null): void {
  const known = new Set(deps.hamlets().map((h) => h.code));
  const unknownHamlets = (targets.hamlets ?? []).filter((h) => !known.has(h));
  if (unknownHamlets.length) throw badRequest(`unknown hamlet code(s): ${unknownHamlets.join(', ')}`, [{ path: 'targets.hamlets', message: `no such hamlet: ${unknownHamlets.join(', ')}` }]);
  if (!zones) return;
  const boxes = deps.boxes().filter((b) => targets.all || targets.hamlets?.includes(b.hamletCode));
  const present = new Set(boxes.flatMap((b) => deps.zonesOf(b.id)));
  const missing = zones.filter((z) => !present.has(z));
  if (missing.length) {
    throw new ApiError(400, 'unknown_zone', `no box in the chosen hamlets has the speaker zone(s) ${missing.join(', ')}`, [{ path: 'zones', message: `unknown zone: ${missing.join(', ')}` }]);
  }
}

const STATE_OF: Record<HamletProgress['lastState'], HamletState> = {
  started: 'playing',
  resumed: 'playing',
  completed: 'done',
  interrupted: 'interrupted',
  failed: 'failed',
  missed: 'failed',
};

function stateOf(deps: VoiceRoutesDeps, session: LiveSessionView) {
  const progress = deps.progress(session.id);
  const names = new Map(deps.hamlets().map((h) => [h.code, h.name]));
  return {
    session: {
      id: session.id,
      title: session.title,
      priority: session.priority,
      status: session.status,
      startedAt: session.startedAt,
      epoch: session.epoch,
      endedAt: session.endedAt,
      endReason: session.endReason,
      endDetail: session.endDetail,
      zones: session.zones,
      bulletinId: session.bulletinId,
      durationMs: session.durationMs,
    },
    socketPath: `${LIVE_VOICE_PATH}/${session.id}/socket`,
    link: deps.ingest.link(session.id),
    hamlets: session.hamletCodes.map((code) => {
      const p = progress.get(code);
      return { code, name: names.get(code) ?? code, state: p ? STATE_OF[p.lastState] : ('waiting' as const), startedAt: p?.firstStartedAt ?? null };
    }),
  };
}
