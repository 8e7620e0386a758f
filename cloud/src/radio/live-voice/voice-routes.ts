import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import type { LiveVoiceServerMessage } from '@smart-commune/shared';
import { CSRF_HEADER, csrfMatches, sessionCookie } from '../../auth/session-cookie.js';
import { currentUser, type Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { ApiError } from '../../http/errors.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import type { VoiceIngest, VoiceSocket } from './voice-ingest.js';

const tags = ['Radio'];

const sessionIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'lvs_5k2m9q8x4c7t' }) });

const linkSchema = z
  .object({
    connected: z.boolean(),
    connections: z.number().openapi({ description: 'Sockets attached so far (1 + reconnections)' }),
    lastAudioAt: z.number().nullable(),
    receivedBytes: z.number(),
    decodedMs: z.number().openapi({ description: 'Audio decoded and handed to the session' }),
    lastError: z.string().nullable().openapi({ description: 'Why the cloud last closed a socket of this session' }),
  })
  .openapi('LiveVoiceLink');

export interface VoiceRoutesDeps {
  guard: Guard;
  ingest: VoiceIngest;
  /** Hono's WebSocket upgrade of @hono/node-ws, bound to the app's server. */
  upgrade: UpgradeWebSocket;
  /** SC_PUBLIC_URL: its origin is also the console's own behind a TLS proxy. */
  publicUrl: string | undefined;
}

/**
 * The operator's microphone, live: after `POST /radio/live` started a voice session, its WebSocket
 * carries the microphone into it; the link's state is readable for the page and for support.
 */
export function createVoiceRoutes(deps: VoiceRoutesDeps) {
  const { guard, ingest } = deps;
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'get',
      path: '/radio/live/{id}/voice',
      tags,
      summary: "The operator's microphone into a live voice session (WebSocket)",
      description:
        "Upgrade: websocket, by the person who started the session with POST /radio/live. With the console's session cookie: `Origin` must be the console's own and `?csrf=` the page's CSRF token; with a bearer token neither is needed. Binary messages: one WebM/Opus stream (MediaRecorder `audio/webm;codecs=opus`, a piece every 100 ms), each message at most 32 KiB (larger closes with 1009), at most 64 KiB/s sustained (more closes with 4429), undecodable audio closes with 4400. Text: `{\"type\":\"stop\"}`. The cloud sends `{\"type\":\"ready\",\"sessionId\",\"epoch\"}` and, at the end, `{\"type\":\"ended\",\"reason\",\"detail\"}`. No audio for SC_LIVE_VOICE_LINK_GRACE_S (the link dropped and no new socket came): the session ends interrupted. A new socket takes over from an older one (4409).",
      request: { params: sessionIdParam, query: z.object({ csrf: z.string().max(200).optional() }) },
      responses: {
        101: { description: 'Switching to the WebSocket' },
        403: jsonContent(z.object({}), 'Another person started this session, or (cookie) the Origin or CSRF token is wrong'),
        404: jsonContent(z.object({}), 'No such voice session'),
        410: jsonContent(z.object({}), 'The session has ended'),
        503: jsonContent(z.object({}), 'On air in another cloud process (held_elsewhere): open the socket again, the load balancer sends it to another process'),
        426: jsonContent(z.object({}), 'Not a WebSocket upgrade'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      checkBrowserOrigin(c, deps.publicUrl);
      const refused = await ingest.admit(id, user);
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

  app.openapi(
    apiRoute(guard, 'radio.live.manage', {
      method: 'get',
      path: '/radio/live/{id}/voice/link',
      tags,
      summary: "The operator's link of a live voice session, as the cloud sees it",
      request: { params: sessionIdParam },
      responses: { 200: jsonContent(linkSchema, 'The link'), 404: jsonContent(z.object({}), 'No microphone ever connected to this session (or it ended over a minute ago)') },
    }),
    (c) => {
      const { id } = c.req.valid('param');
      const link = ingest.link(id);
      if (!link) throw new ApiError(404, 'not_found', `no microphone is known for live session ${id}`);
      return c.json(link, 200);
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

function adapt(ws: WSContext): VoiceSocket {
  return {
    send: (message: LiveVoiceServerMessage) => {
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
