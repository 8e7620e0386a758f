import type { Server } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import { createNodeWebSocket } from '@hono/node-ws';
import type { Hono } from 'hono';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudConfig } from '../../config.js';
import type { CloudMetrics } from '../../metrics.js';
import type { Guard } from '../../http/access.js';
import { API_PREFIX, type Mount } from '../../http/app.js';
import type { LiveSessions } from '../live/live-sessions.js';
import { VoiceIngest } from './voice-ingest.js';
import { createVoiceRoutes } from './voice-routes.js';

export interface LiveVoiceDeps {
  live: Pick<LiveSessions, 'stop' | 'get' | 'inputOf'>;
  config: CloudConfig;
  logger: Logger;
  metrics: CloudMetrics;
}

export type LiveVoice = ReturnType<typeof createLiveVoice>;

/**
 * The operator's live voice: the ingest (sockets, decoders, watchdog), its routes, and the
 * WebSocket server that upgrades on the app's own HTTP(S) server. The upgrade request goes through
 * the whole app (security headers, the guard, the route's Origin and CSRF checks) before a socket exists.
 */
export function createLiveVoice(deps: LiveVoiceDeps) {
  const ingest = new VoiceIngest({ live: deps.live, logger: deps.logger, metrics: deps.metrics, limits: { linkGraceMs: deps.config.SC_LIVE_VOICE_LINK_GRACE_S * 1000 } });
  // the app exists only once every route is mounted; the upgrade reaches it through this late binding
  let app: Pick<Hono, 'request'> | null = null;
  const nodeWs = createNodeWebSocket({ app: { request: (...args: Parameters<Hono['request']>) => app!.request(...args) } as unknown as Hono });
  // a message over this is refused by the ws library itself (close 1009) before it is buffered whole
  nodeWs.wss.options.maxPayload = ingest.limits.maxMessageBytes;

  return {
    ingest,
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createVoiceRoutes({ guard, ingest, upgrade: nodeWs.upgradeWebSocket, publicUrl: deps.config.SC_PUBLIC_URL }) }];
    },
    /** Binds the upgrade to the finished app and its server. */
    listen(finished: Pick<Hono, 'request'>, server: Server | Http2Server | Http2SecureServer): void {
      app = finished;
      nodeWs.injectWebSocket(server as Server);
    },
    /** Ends the voices (interrupted: the cloud stops) and drops the sockets, so the HTTP server can close. */
    close(): void {
      ingest.close();
      for (const client of nodeWs.wss.clients) client.terminate();
      nodeWs.wss.close();
    },
  };
}
