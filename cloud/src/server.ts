import type { AddressInfo, Server } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { VI_TAN, type CommuneSeed } from '@smart-commune/shared';
import { createLogger, type Logger } from '@smart-commune/shared/runtime';
import type { CloudConfig } from './config.js';
import type { QueryDatabase } from './db/query/index.js';
import type { CloudMetrics } from './metrics.js';
import { openCloud, type Opened } from './open-cloud.js';
import type { Leadership } from './cluster/leadership.js';
import { joinProcesses } from './cluster/process-registry.js';
import { startBroker } from './broker/start-broker.js';
import type { BrokerLink } from './broker/link.js';
import { brokerCredential } from './broker/http-auth/broker-credential.js';
import { createAuth } from './auth/auth.js';
import { UserStore } from './users/user-store.js';
import { createUsersRoutes } from './users/users-routes.js';
import { CommuneStore } from './communes/commune-store.js';
import { createCommunesRoutes } from './communes/communes-routes.js';
import { createCloudConsole } from './console/cloud-console.js';
import { createGuard } from './http/access.js';
import { parseTrustedProxies } from './http/trusted-proxies.js';
import { trustedProxies } from './audit/request-ip.js';
import { API_PREFIX, createApp } from './http/app.js';
import { createPublicOrigin } from './http/public-origin.js';
import { bodyLimit, DEFAULT_MAX_BODY_BYTES } from './http/body-limit.js';
import { serverOptionsFor } from './http/tls.js';
import { acceptProxyProtocol, type ProxyProtocolHandle } from './http/proxy-protocol.js';
import { createHamletsRoutes } from './hamlets/hamlets.js';
import { HamletPlaces } from './hamlets/hamlet-places.js';
import { createHamletPlacesRoutes } from './hamlets/hamlet-places-routes.js';
import { createSystemRoutes } from './system/system-routes.js';
import { DomainEventBus } from './events/event-bus.js';
import type { Fleet } from './fleet/fleet.js';
import { startFleet } from './fleet/start-fleet.js';
import { createReleases, type Releases } from './releases/releases.js';
import type { Radio } from './radio/radio.js';
import { startRadio } from './radio/start-radio.js';
import { createVision, type Vision } from './vision/vision.js';
import { AuditLog } from './audit/audit-log.js';
import { createAuditRoutes } from './audit/audit-routes.js';
import { auditChanges } from './audit/audit-changes.js';
import { createIncidents, type Incidents } from './incidents/incidents.js';
import { createReports } from './reports/reports.js';
import { createFootage } from './footage/footage.js';
import { ensureFirstAdmin, type AdminLogin } from './bootstrap.js';
import { CLOUD_VERSION } from './version.js';
import { secureDataDir } from './private-files.js';
import type { Notifications } from './notifications/notifications.js';
import { startNotifications } from './notifications/start-notifications.js';
import type { Zalo } from './notifications/zalo/zalo.js';
import type { WebPushChannel } from './notifications/webpush/webpush-channel.js';
import { createPushRoutes } from './notifications/webpush/push-routes.js';
import { openMediaStore } from './storage/open-media-store.js';
import type { MediaStore } from './storage/media-store.js';
import { cleanStaleUploads } from './storage/stale-uploads.js';

export interface CloudHandle {
  config: CloudConfig;
  httpUrl: string;
  /** The MQTT URL of the embedded broker (or the external one). */
  mqttUrl: string;
  admin: AdminLogin;
  /** The cloud's own MQTT credential (embedded broker), for tools that act as the cloud. */
  service: { username: string; password: string };
  /** The Hono app, for `app.request()` in tests. */
  app: ReturnType<typeof createApp>;
  /**
   * The cloud's database through the typed query layer (Kysely): the SQLite file in SC_DATA_DIR, or
   * PostgreSQL when SC_DATABASE_URL is set (docs/architecture.md, "Query layer"). Tests and tools seed
   * and inspect through it (or the domain stores), so the same code runs on either database.
   */
  query: QueryDatabase;
  metrics: CloudMetrics;
  /** The one media store (local disk or S3) the audio, incident media and report photos are kept in. */
  media: MediaStore;
  fleet: Fleet;
  /** Edge releases and their rollouts (issue 15). */
  releases: Releases;
  radio: Radio;
  incidents: Incidents;
  audit: AuditLog;
  vision: Vision;
  /** The outbox, its dispatcher and the channels (Web Push, Zalo OA). */
  notifications: Notifications;
  /** Staff Web Push: its subscriptions, VAPID keys and the channel the outbox sends through. */
  webPush: WebPushChannel;
  /** The domain event bus (events/domain-events.ts): what happened in the domains, for whoever subscribes. */
  events: DomainEventBus;
  /** The commune's Zalo Official Account: its channel (started by the notifications module), connection and followers. */
  zalo: Zalo;
  broker: BrokerLink;
  /** Whether this process runs the once-only work now (cluster/leadership.ts): always on SQLite, one process at a time on PostgreSQL. */
  leadership: Leadership;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  commune?: CommuneSeed;
}

/** Starts the control plane: database, broker, domain services and the HTTP server. */
export async function startCloud(config: CloudConfig, options: StartOptions = {}): Promise<CloudHandle> {
  const logger = options.logger ?? createLogger('sc-cloud', { level: config.SC_LOG_LEVEL });
  const opened = await openCloud(config, logger, options.commune ?? VI_TAN);
  return startServices(config, opened).catch(async (err: unknown) => {
    // a start that failed half-way frees the leader lock, so another process (or this one, tried again) may lead,
    // and its database connections (a test or tool going on in this process would find them dropped later)
    await opened.leadership.stop();
    await opened.query.close().catch(() => undefined);
    throw err;
  });
}

/** The domains, the broker and the HTTP server, on what startCloud opened. */
async function startServices(config: CloudConfig, opened: Opened): Promise<CloudHandle> {
  const { logger, startedAt, tls, secrets, signer, query, diskSpace, metrics, leadership } = opened;
  // several processes (PostgreSQL) may be serving: what one left open may be another's, on air now
  const soleProcess = !config.SC_DATABASE_URL;
  const users = new UserStore(query);
  const communes = new CommuneStore(query);
  const audit = new AuditLog(query);
  const events = new DomainEventBus({ logger: logger.child({ component: 'events' }), handlerErrors: metrics.domainEventErrors });
  const admin = await ensureFirstAdmin(users, config.SC_DATA_DIR, config.SC_ADMIN_USERNAME, config.SC_ADMIN_PASSWORD, logger, !soleProcess);
  const mqtt = await startBroker(config, { logger, metrics, diskSpace });
  const broker = mqtt.link;

  let httpPort = config.SC_HTTP_PORT;
  // links others keep (feed, provisioning command, claim addresses) never take a Host the operator did not allow
  const origins = createPublicOrigin({ publicUrl: config.SC_PUBLIC_URL, allowedHosts: config.SC_ALLOWED_HOSTS, listenHost: config.SC_HTTP_HOST, port: () => httpPort });
  const fleet = await startFleet({ query, mqtt, metrics, logger, config, bus: events, audit, leader: leadership, secrets, origins, soleProcess });
  const releases = createReleases({ query, fleet, bus: events, audit, metrics, logger: logger.child({ component: 'releases' }), config, leader: leadership });
  // this process in the registry of cloud processes, before anything records it as owner of what it has on air
  const processes = await joinProcesses(query, config, logger.child({ component: 'processes' }));
  // ONE media store for the audio, incident media and report photos: the data dir, or the S3 bucket (SC_S3_*)
  const media = openMediaStore(config, { logger, metrics });
  const mediaCleanup = cleanStaleUploads(media, logger);
  const { radio, liveVoice, stop: stopRadio } = await startRadio({ query, broker, fleet, bus: events, metrics, audit, logger, config, media, leader: leadership, soleProcess, processes });
  const vision = createVision({ query, fleet, audit, bus: events });
  const incidents = await createIncidents({ query, bus: events, users, audit, metrics, logger: logger.child({ component: 'incidents' }), config, signer, media, leader: leadership });
  const reports = createReports({ query, audit, bus: events, media });
  // links in Zalo messages: SC_PUBLIC_URL, else the cloud's own address
  const ownUrl = () => config.SC_PUBLIC_URL ?? `http://${config.SC_HTTP_HOST}:${httpPort}`;
  const { notifications, webPush, zalo } = await startNotifications({ query, secrets, audit, logger, metrics, config, bus: events, communes, playback: radio.playback, ownUrl, leader: leadership });
  const footage = createFootage({ query, fleet, vision, audit, bus: events, logger: logger.child({ component: 'footage' }) });
  secureDataDir(config.SC_DATA_DIR); // after the domains made their directories
  const auth = createAuth({ query, config, users, audit, metrics, logger, leader: leadership, reportLimit: reports.limit });
  const guard = createGuard(auth.sessions, fleet.credentials, config.SC_BROKER_AUTH_TOKEN ? brokerCredential(config.SC_BROKER_AUTH_TOKEN) : undefined);
  const web = createCloudConsole({ config, query, auth, audit, users, communes, fleet, releases, radio, incidents, reports, footage, vision, notifications, webPush, zalo, publicUrl: origins.publicUrl });

  const proxies = parseTrustedProxies(config.SC_TRUSTED_PROXIES);
  const app = createApp(
    [
      // first: whoever reads the client's address (audit, throttles) believes X-Forwarded-For only from these
      trustedProxies(proxies),
      web.headers,
      // before anything that reads a body (sessions, CSRF checks, routes); the headers above only add headers
      bodyLimit({ maxBytes: DEFAULT_MAX_BODY_BYTES, refuse: web.refuseBody }),
      auditChanges(audit),
      { prefix: '/', app: createSystemRoutes({ guard, query, broker, metrics, startedAt, exportKey: signer, mediaBudget: () => incidents.budget.state(), media: { backend: media.backend, bucket: config.SC_S3_BUCKET } }) },
      web.pages,
      ...auth.routes(guard),
      { prefix: API_PREFIX, app: createUsersRoutes({ guard, users, sessions: auth.sessions, communes }) },
      { prefix: API_PREFIX, app: createHamletsRoutes({ guard, query }) },
      { prefix: API_PREFIX, app: createCommunesRoutes({ guard, query, communes }) },
      { prefix: API_PREFIX, app: createHamletPlacesRoutes({ guard, places: new HamletPlaces(query) }) },
      ...fleet.routes(guard, origins.publicUrl),
      ...releases.routes(guard),
      ...radio.routes(guard),
      ...liveVoice.routes(guard),
      ...vision.routes(guard),
      ...incidents.routes(guard),
      ...footage.routes(guard),
      ...reports.routes(guard),
      ...notifications.routes(guard),
      ...zalo.routes(guard),
      { prefix: API_PREFIX, app: createAuditRoutes({ guard, audit, communeNames: async () => new Map((await communes.list()).map((c) => [c.code, c.name])) }) },
      { prefix: API_PREFIX, app: createPushRoutes({ guard, channel: webPush, allowLocalEndpoints: config.SC_PUSH_ALLOW_LOCAL_ENDPOINTS }) },
      ...mqtt.routes(guard, fleet.credentials),
    ],
    metrics,
    logger,
    CLOUD_VERSION,
  );

  let proxyProtocol: ProxyProtocolHandle | undefined;
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.SC_HTTP_HOST, port: config.SC_HTTP_PORT, ...serverOptionsFor(tls) }, () => resolve(s));
    // before the first connection is accepted (that needs the event loop): each one is read here first
    if (config.SC_PROXY_PROTOCOL === '1') proxyProtocol = acceptProxyProtocol(s as Server, { trusted: proxies, logger: logger.child({ component: 'proxy-protocol' }) });
  });
  liveVoice.listen(app, server);
  httpPort = (server.address() as AddressInfo).port;
  const httpUrl = `${tls ? 'https' : 'http'}://${config.SC_HTTP_HOST}:${httpPort}`;
  logger.info({ httpUrl, mqttUrl: mqtt.mqttUrl, version: CLOUD_VERSION }, 'Smart Commune cloud started');

  let closed = false;
  return {
    config,
    httpUrl,
    mqttUrl: mqtt.mqttUrl,
    admin,
    service: mqtt.service,
    app,
    query,
    metrics,
    media,
    fleet,
    releases,
    radio,
    incidents,
    audit,
    vision,
    notifications,
    webPush,
    events,
    zalo,
    broker,
    leadership,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      liveVoice.close(); // the operators' sockets would keep the server open; their sessions end interrupted
      proxyProtocol?.close(); // connections still sending their PROXY header would hold the server open
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // the once-only work stops and the lock is freed now, so a standby takes over while this one closes
      await leadership.stop();
      await stopRadio(); // and the media queue's metrics
      await processes.stop(); // its sessions and relays are ended: nothing left for the leader's sweep
      await footage.stop();
      await incidents.stop();
      await vision.stop();
      await releases.stop();
      await fleet.stop(); // its boxes' accounts on an external Mosquitto first
      await notifications.stop(); // sends in flight finish and are recorded; before the bus, so handlers still running can enqueue
      await events.stop(); // nothing publishes any more; handlers still running finish before the database closes
      await mqtt.close(); // and frees the MQTT client id
      mediaCleanup.stop();
      await media.close(); // the domains that read and write media are stopped
      await auth.stop(); // its purges stopped with the leadership; the failed logins' counts written
      await query.close();
      logger.info('Smart Commune cloud stopped');
    },
  };
}
