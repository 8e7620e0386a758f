import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { VI_TAN, type AudioAsset, type CommuneSeed } from '@smart-commune/shared';
import { createLogger, type Logger } from '@smart-commune/shared/runtime';
import type { CloudConfig } from './config.js';
import { openQueryDatabase, type QueryDatabase } from './db/query/index.js';
import { createCloudMetrics, type CloudMetrics } from './metrics.js';
import { startEmbeddedBroker } from './broker/embedded.js';
import { connectExternalBroker } from './broker/external.js';
import { startBoxAccounts } from './broker/mosquitto/wiring.js';
import type { BrokerLink } from './broker/link.js';
import type { ClientIdentity } from './broker/access.js';
import { secretMatches, hashSecret } from './auth/secrets.js';
import { brokerCredential } from './broker/http-auth/broker-credential.js';
import { createBrokerAuthority } from './broker/http-auth/broker-authority.js';
import { cloudCredential } from './broker/http-auth/cloud-credential.js';
import { createBrokerAuthRoutes } from './broker/http-auth/broker-auth-routes.js';
import { SessionStore } from './auth/session-store.js';
import { createAuthRoutes } from './auth/auth-routes.js';
import { UserStore } from './users/user-store.js';
import { createUsersRoutes } from './users/users-routes.js';
import { CommuneStore } from './communes/commune-store.js';
import { createCommunesRoutes } from './communes/communes-routes.js';
import { createCommunesPages } from './console/communes/communes-pages.js';
import { createGuard } from './http/access.js';
import { parseTrustedProxies } from './http/trusted-proxies.js';
import { trustedProxies } from './audit/request-ip.js';
import { API_PREFIX, createApp } from './http/app.js';
import { createPublicOrigin } from './http/public-origin.js';
import { bodyLimit, DEFAULT_MAX_BODY_BYTES } from './http/body-limit.js';
import { loadTlsFiles, serverOptionsFor } from './http/tls.js';
import { createHamletsRoutes, listHamlets, seedCommune } from './hamlets/hamlets.js';
import { HamletPlaces } from './hamlets/hamlet-places.js';
import { createHamletPlacesRoutes } from './hamlets/hamlet-places-routes.js';
import { createSystemRoutes } from './system/system-routes.js';
import { createConsole } from './console/console.js';
import { createRadioPages } from './console/radio/radio-pages.js';
import { createReportPage } from './console/radio/report-page.js';
import { createFleetPages } from './console/fleet/fleet-pages.js';
import { createSpeakerPages, speakerAlarmBanner } from './console/fleet/speaker-pages.js';
import { createReleasesPages } from './console/fleet/releases-pages.js';
import { boxFilterOf, seesBox } from './fleet/box-scope.js';
import { sees } from './communes/scope.js';
import { createLogin } from './auth/login.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { createPasswordChange } from './auth/password-change.js';
import { DomainEventBus } from './events/event-bus.js';
import { createFleet, type Fleet } from './fleet/fleet.js';
import { createReleases, type Releases } from './releases/releases.js';
import { createRadio, type Radio } from './radio/radio.js';
import { watchMediaJobs } from './radio/jobs/media-jobs-metrics.js';
import { createVision, type Vision } from './vision/vision.js';
import { AuditLog } from './audit/audit-log.js';
import { AuditDigest } from './audit/audit-digest.js';
import { createAuditRoutes } from './audit/audit-routes.js';
import { auditChanges } from './audit/audit-changes.js';
import { createIncidents, type Incidents } from './incidents/incidents.js';
import { createReports } from './reports/reports.js';
import { createFootage } from './footage/footage.js';
import { createPublicPages } from './console/public/public-pages.js';
import { ObjectCommunes } from './communes/object-commune.js';
import { createPolicePages } from './console/police/police-pages.js';
import { createAdminPages } from './console/admin/admin-pages.js';
import { createZaloAdminPage } from './console/admin/admin-zalo.js';
import { createAccountPages } from './console/account/account-pages.js';
import { ensureFirstAdmin, persistentSecret, type AdminLogin } from './bootstrap.js';
import { CLOUD_VERSION } from './version.js';
import { secureDataDir } from './private-files.js';
import { loadSecretBox } from './secrets/secret-keys.js';
import { loadExportSigner } from './evidence/signing-key.js';
import { DiskSpace } from './disk-space.js';
import { cameraPasswordCodec, sealCameraPasswords } from './vision/camera-secrets.js';
import { resealBoxSecrets } from './fleet/box-secret-reseal.js';
import type { NotificationChannel } from './notifications/channel.js';
import { createNotifications, type Notifications } from './notifications/notifications.js';
import { createZalo, type Zalo } from './notifications/zalo/zalo.js';
import { WebPushChannel } from './notifications/webpush/webpush-channel.js';
import { createPushRoutes } from './notifications/webpush/push-routes.js';
import { createNotificationPages } from './console/account/notifications-page.js';
import { createLiveVoice } from './radio/live-voice/live-voice.js';
import { createLivePage } from './console/radio/live-page.js';
import { openMediaStore } from './storage/open-media-store.js';
import type { MediaStore } from './storage/media-store.js';
import { cleanStaleUploads } from './storage/stale-uploads.js';
import { assetResponse } from './radio/audio/asset-response.js';
import { createLeadership, type Leadership } from './cluster/leadership.js';
import { claimMqttClientId } from './cluster/client-id-lock.js';
import { ProcessRegistry, startHeartbeat } from './cluster/process-registry.js';
import { assertSharedSecrets, configuredServicePassword } from './cluster/shared-secrets.js';

export const SERVICE_USERNAME = 'sc-cloud';

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
  const startedAt = Date.now();
  // before anything opens: a wrong certificate or key stops the start naming the variable
  const tls = loadTlsFiles(config);
  // with SC_DATABASE_URL every process must hold the same secrets: refused before any is generated
  assertSharedSecrets(config);
  const secrets = loadSecretBox(config);
  const signer = loadExportSigner(config);
  // SQLite file or PostgreSQL (SC_DATABASE_URL), migrated; closed last by close() below
  const query = await openQueryDatabase({ SC_DATABASE_URL: config.SC_DATABASE_URL, sqliteFile: join(config.SC_DATA_DIR, 'cloud.db') });
  const diskSpace = new DiskSpace(config.SC_DATA_DIR);
  try {
    await sealCameraPasswords(query, secrets, logger);
    await resealBoxSecrets(query, secrets, logger);
  } catch (err) {
    await query.close();
    throw err;
  }
  await seedCommune(query, options.commune ?? VI_TAN);
  const metrics = createCloudMetrics();
  // one process of those sharing the database runs the once-only work; the first try is made now,
  // so a process alone (or the first) leads before the domains start
  const leadership = createLeadership({
    databaseUrl: config.SC_DATABASE_URL,
    logger: logger.child({ component: 'leadership' }),
    onChange: (leader) => metrics.clusterLeader.set(leader ? 1 : 0),
  });
  await leadership.start();
  const opened: Opened = { logger, startedAt, tls, secrets, signer, query, diskSpace, metrics, leadership };
  return startServices(config, opened).catch(async (err: unknown) => {
    // a start that failed half-way frees the leader lock, so another process (or this one, tried again) may lead,
    // and its database connections (a test or tool going on in this process would find them dropped later)
    await leadership.stop();
    await query.close().catch(() => undefined);
    throw err;
  });
}

/** What startCloud opened before the services: the services' start is undone (the leader lock freed) if it fails. */
interface Opened {
  logger: Logger;
  startedAt: number;
  tls: ReturnType<typeof loadTlsFiles>;
  secrets: ReturnType<typeof loadSecretBox>;
  signer: ReturnType<typeof loadExportSigner>;
  query: QueryDatabase;
  diskSpace: DiskSpace;
  metrics: CloudMetrics;
  leadership: Leadership;
}

/** The domains, the broker and the HTTP server, on what startCloud opened. */
async function startServices(config: CloudConfig, opened: Opened): Promise<CloudHandle> {
  const { logger, startedAt, tls, secrets, signer, query, diskSpace, metrics, leadership } = opened;
  // several processes (PostgreSQL) may be serving: what one left open may be another's, on air now
  const soleProcess = !config.SC_DATABASE_URL;
  const users = new UserStore(query);
  const communes = new CommuneStore(query);
  const sessions = new SessionStore(query, config.SC_SESSION_TTL_S * 1000);
  const audit = new AuditLog(query);
  const events = new DomainEventBus({ logger: logger.child({ component: 'events' }), handlerErrors: metrics.domainEventErrors });
  const admin = await ensureFirstAdmin(users, config.SC_DATA_DIR, config.SC_ADMIN_USERNAME, config.SC_ADMIN_PASSWORD, logger, !soleProcess);
  const servicePassword = configuredServicePassword(config) ?? persistentSecret(config.SC_DATA_DIR, 'service-password.txt');
  const serviceHash = hashSecret(servicePassword);

  // The fleet's credential check is needed by the broker before the fleet exists; bind it late.
  let verifyDevice: (username: string, password: string) => Promise<string | null> = async () => null;
  const authenticate = async (username: string, password: string): Promise<ClientIdentity | null> => {
    if (username === SERVICE_USERNAME) return secretMatches(password, serviceHash) ? { kind: 'service' } : null;
    const edgeId = await verifyDevice(username, password);
    return edgeId ? { kind: 'edge', edgeId } : null;
  };

  // a persistent MQTT session's id must be this process's alone (cluster/client-id-lock.ts)
  const freeClientId =
    config.SC_MQTT_URL && config.SC_MQTT_CLIENT_ID && config.SC_DATABASE_URL
      ? await claimMqttClientId(config.SC_DATABASE_URL, config.SC_MQTT_CLIENT_ID, logger.child({ component: 'mqtt-client-id' }))
      : async () => undefined;
  const broker: BrokerLink & { port?: number } = config.SC_MQTT_URL
    ? await connectExternalBroker(config.SC_MQTT_URL, logger, metrics, {
        shareGroup: config.SC_MQTT_SHARE_GROUP,
        clientId: config.SC_MQTT_CLIENT_ID,
        dropsEdges: config.SC_MQTT_DYNSEC === '1',
      }).catch(async (err: unknown) => {
        await freeClientId();
        throw err;
      })
    : await startEmbeddedBroker({
        host: config.SC_MQTT_HOST,
        port: config.SC_MQTT_PORT,
        maxPayloadBytes: config.SC_MQTT_MAX_PAYLOAD_BYTES,
        ratePerS: config.SC_MQTT_RATE_PER_S,
        maxUnauthenticatedPerAddress: config.SC_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS,
        authenticate,
        logger: logger.child({ component: 'broker' }),
        metrics,
        storageFull: () => diskSpace.nearlyFull(),
      });
  const mqttUrl = config.SC_MQTT_URL ?? `mqtt://${config.SC_MQTT_HOST}:${broker.port}`;

  let httpPort = config.SC_HTTP_PORT;
  // links others keep (feed, provisioning command, claim addresses) never take a Host the operator did not allow
  const origins = createPublicOrigin({ publicUrl: config.SC_PUBLIC_URL, allowedHosts: config.SC_ALLOWED_HOSTS, listenHost: config.SC_HTTP_HOST, port: () => httpPort });
  const publicUrl = origins.publicUrl;
  const fleet = await createFleet({
    query,
    broker,
    metrics,
    logger: logger.child({ component: 'fleet' }),
    config,
    bus: events,
    audit,
    leader: leadership,
    // the embedded broker started with this process: no box is connected yet, unless other processes share the database (their brokers hold theirs)
    brokerRestarted: !config.SC_MQTT_URL && soleProcess,
    codec: cameraPasswordCodec(secrets),
    secrets,
    claimUrls: (requestUrl) => ({
      cloudUrl: publicUrl(requestUrl),
      mqttUrl: config.SC_MQTT_PUBLIC_URL ?? (config.SC_MQTT_URL ? config.SC_MQTT_URL.replace(/\/\/[^@]*@/, '//') : `mqtt://${new URL(origins.trustedOrigin(requestUrl)).hostname}:${broker.port}`),
    }),
  });
  verifyDevice = (username, password) => fleet.credentials.verify(username, password);
  const mosquittoAccounts = await startBoxAccounts(config, { fleet, bus: events, logger: logger.child({ component: 'mosquitto-accounts' }), leader: leadership });
  const releases = createReleases({ query, fleet, bus: events, audit, metrics, logger: logger.child({ component: 'releases' }), config, leader: leadership });
  // this process in the registry of cloud processes, before anything records it as owner of what it has on air
  const processRegistry = new ProcessRegistry(query);
  const beatMs = config.SC_PROCESS_BEAT_S * 1000;
  const heartbeat = await startHeartbeat({ registry: processRegistry, beatMs, logger: logger.child({ component: 'processes' }) });
  const processes = { id: heartbeat.id, registry: processRegistry, sweepMs: beatMs, deadAfterMs: Math.max(config.SC_PROCESS_DEAD_AFTER_S * 1000, 3 * beatMs) };
  // ONE media store for the audio, incident media and report photos: the data dir, or the S3 bucket (SC_S3_*)
  const media = openMediaStore(config, { logger, metrics });
  const mediaCleanup = cleanStaleUploads(media, logger);
  const radio = await createRadio({ query, broker, fleet, bus: events, metrics, audit, logger: logger.child({ component: 'radio' }), config, media, leader: leadership, soleProcess, processes });
  const stopMediaJobMetrics = watchMediaJobs(metrics.registry);
  // the operator's microphone over a WebSocket into a live session (issue 13)
  const liveVoice = createLiveVoice({ live: radio.live, config, metrics, logger: logger.child({ component: 'live-voice' }) });
  const vision = createVision({ query, fleet, audit, bus: events });
  const incidents = await createIncidents({ query, bus: events, users, audit, metrics, logger: logger.child({ component: 'incidents' }), config, signer, media, leader: leadership });
  const reports = createReports({ query, audit, bus: events, media });
  // staff Web Push (VAPID keys generated at the first start); a channel of the notifications outbox
  const webPush = new WebPushChannel({ query, config, logger: logger.child({ component: 'webpush' }), registry: metrics.registry });
  const zalo = createZalo({
    query,
    secrets,
    audit,
    logger,
    metrics,
    config,
    hamlets: () => listHamlets(query),
    communes: () => communes.active(),
    publicUrl: () => config.SC_PUBLIC_URL ?? `http://${config.SC_HTTP_HOST}:${httpPort}`,
    // bound late: the notifications module is made with the Zalo channel in it (connecting happens over HTTP, after both exist)
    onConnected: () => notifications.resume(zalo.channel.name),
  });
  // one line per channel (Web Push for staff, the Zalo OA for citizens): each subscribes to its events and fills the outbox
  const channels: NotificationChannel[] = [webPush, zalo.channel];
  const objectCommunes = new ObjectCommunes(query);
  const notifications = createNotifications({
    query,
    subjectCommune: (subject) => objectCommunes.of(subject),
    bus: events,
    logger: logger.child({ component: 'notifications' }),
    metrics,
    config,
    channels,
    audit,
    loudspeakers: (kind, id) => radio.playback.heard(kind, id),
    leader: leadership,
  });
  await notifications.start();
  const footage = createFootage({ query, fleet, vision, audit, bus: events, logger: logger.child({ component: 'footage' }) });
  secureDataDir(config.SC_DATA_DIR); // after the domains made their directories
  const guard = createGuard(sessions, fleet.credentials, config.SC_BROKER_AUTH_TOKEN ? brokerCredential(config.SC_BROKER_AUTH_TOKEN) : undefined);
  // an external EMQX or mosquitto-go-auth asks these the questions Aedes answers in-process
  const brokerAuthority = createBrokerAuthority({
    cloud: cloudCredential(config.SC_MQTT_URL, { username: SERVICE_USERNAME, password: servicePassword }),
    verifyBox: (username, password) => fleet.credentials.verify(username, password),
    isActiveEdge: (edgeId) => fleet.credentials.isActive(edgeId),
  });
  // failed and refused logins: one audit row per address, name and 10 minutes, with a count
  const loginDigest = new AuditDigest(audit, { windowMs: 10 * 60_000 });
  const throttle = new LoginThrottle(query); // in the database: shared by every cloud process
  const login = createLogin({ users, sessions, throttle, audit, digest: loginDigest, metrics });
  const passwordChange = createPasswordChange({ users, sessions, throttle, audit, metrics });
  const web = createConsole({
    sessions,
    login,
    audit,
    publicUrl: config.SC_PUBLIC_URL,
    banner: speakerAlarmBanner((person) => fleet.speakers.alarms.active(boxFilterOf(person)), config.SC_SPEAKER_ALARM_AFTER_S * 1000),
    sections: [
      createRadioPages({ voices: radio.bulletins.tts.voices, defaultVoice: config.SC_TTS_DEFAULT_VOICE, hamlets: () => listHamlets(query), communes: () => communes.active() }),
      createReportPage({ monthly: (month, communeCode) => radio.reports.monthly(month, communeCode) }),
      createLivePage({
        hamlets: () => listHamlets(query),
        zones: async () => {
          const configs = await Promise.all((await fleet.edges.list({ status: 'active' })).map((e) => fleet.documents.get(e.id, 'config')));
          return [...new Set(configs.flatMap((config) => config?.body.radio?.speakers.map((s) => s.zone) ?? []))].sort();
        },
      }),
      createFleetPages({
        hamlets: (person) => listHamlets(query, person),
        communes: async (person) => (await communes.active()).filter((c) => sees(person, c.code, { provinceItems: false })),
        seesBox: async (person, edgeId) => seesBox(person, await fleet.edges.find(edgeId)),
      }),
      createSpeakerPages({ zones: (person) => fleet.speakers.zones.all(boxFilterOf(person)), history: (edgeId, zone, limit) => fleet.speakers.history.ofEdge(edgeId, { zone, limit }) }),
      createReleasesPages({
        releases: releases.store,
        rollouts: releases.rollouts,
        edges: fleet.edges,
        keyRotations: releases.keyRotations,
        hamlets: (person) => listHamlets(query, person),
        communes: async (person) => (await communes.active()).filter((c) => sees(person, c.code, { provinceItems: false })),
      }),
      createPolicePages({
        incidents,
        reports,
        users,
        audit,
        hamlets: () => listHamlets(query),
        communes: () => communes.active(),
        footage,
        cameras: async () => {
          const communeOf = new Map((await listHamlets(query)).map((h) => [h.code, h.communeCode]));
          const edges = await fleet.edges.list({ status: 'active' });
          const perEdge = await Promise.all(
            edges.map(async (edge) =>
              (await vision.settings.camerasOf(edge.id)).map((camera) => ({ value: `${edge.id}/${camera.id}`, label: `${camera.name} · ${edge.hamletName} (${edge.name})`, communeCode: communeOf.get(edge.hamletCode) ?? null })),
            ),
          );
          return perEdge.flat();
        },
        edgeOnline: async (edgeId) => (await fleet.edges.find(edgeId))?.online ?? false,
        floods: () => vision.floods(),
      }),
      createAdminPages({ audit, users, communes, notifications: notifications.store, channels: () => channels.map((ch) => ch.name) }),
      createCommunesPages({ communes }),
      createZaloAdminPage({ connector: zalo.connector, hamlets: () => listHamlets(query), communes: () => communes.active() }),
      createAccountPages({ passwordChange }),
      createNotificationPages({ hamlets: () => listHamlets(query), preferences: (user) => webPush.subscriptions.preferences(user) }),
      createPublicPages({ reports, notices: radio.notices, communes, // a notice's MIME type is its audio_assets row's, which only ever holds the formats' own
        audio: (c, audio, headers) => assetResponse(c, radio.bulletins.assets, { sha256: audio.sha256, mime: audio.mime as AudioAsset['mime'] }, headers), publicUrl, zaloOaId: (communeCode) => zalo.store.connectedOaId(communeCode) }),
    ],
  });

  const app = createApp(
    [
      // first: whoever reads the client's address (audit, throttles) believes X-Forwarded-For only from these
      trustedProxies(parseTrustedProxies(config.SC_TRUSTED_PROXIES)),
      web.headers,
      // before anything that reads a body (sessions, CSRF checks, routes); the headers above only add headers
      bodyLimit({ maxBytes: DEFAULT_MAX_BODY_BYTES, refuse: web.refuseBody }),
      auditChanges(audit),
      { prefix: '/', app: createSystemRoutes({ guard, query, broker, metrics, startedAt, exportKey: signer, mediaBudget: () => incidents.budget.state(), media: { backend: media.backend, bucket: config.SC_S3_BUCKET } }) },
      web.pages,
      { prefix: API_PREFIX, app: createAuthRoutes({ guard, login, passwordChange, sessions, audit }) },
      { prefix: API_PREFIX, app: createUsersRoutes({ guard, users, sessions, communes }) },
      { prefix: API_PREFIX, app: createHamletsRoutes({ guard, query }) },
      { prefix: API_PREFIX, app: createCommunesRoutes({ guard, query, communes }) },
      { prefix: API_PREFIX, app: createHamletPlacesRoutes({ guard, places: new HamletPlaces(query) }) },
      ...fleet.routes(guard, publicUrl),
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
      { prefix: '/', app: createBrokerAuthRoutes({ guard, authority: brokerAuthority, metrics, logger: logger.child({ component: 'broker-http-auth' }) }) },
    ],
    metrics,
    logger,
    CLOUD_VERSION,
  );

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.SC_HTTP_HOST, port: config.SC_HTTP_PORT, ...serverOptionsFor(tls) }, () => resolve(s));
  });
  liveVoice.listen(app, server);
  httpPort = (server.address() as AddressInfo).port;
  const httpUrl = `${tls ? 'https' : 'http'}://${config.SC_HTTP_HOST}:${httpPort}`;
  logger.info({ httpUrl, mqttUrl, version: CLOUD_VERSION }, 'Smart Commune cloud started');

  const stopSessionPurge = leadership.whileLeader('expired sessions purge', () => {
    const timer = setInterval(() => void sessions.purgeExpired().catch((err: unknown) => logger.warn({ err }, 'purging expired sessions failed')), 3600_000);
    timer.unref();
    return () => clearInterval(timer);
  });
  // rows of the shared login throttle and report limit that hold nothing back any more (idempotent; on the leader so it runs once)
  const stopLimitsPurge = leadership.whileLeader('expired login and report limits purge', () => {
    const timer = setInterval(
      () => void Promise.all([throttle.purge(), reports.limit.purge()]).catch((err: unknown) => logger.warn({ err }, 'purging expired login and report limits failed')),
      5 * 60_000,
    );
    timer.unref();
    return () => clearInterval(timer);
  });
  let closed = false;
  return {
    config,
    httpUrl,
    mqttUrl,
    admin,
    service: { username: SERVICE_USERNAME, password: servicePassword },
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
      await stopSessionPurge();
      await stopLimitsPurge();
      liveVoice.close(); // the operators' sockets would keep the server open; their sessions end interrupted
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // the once-only work stops and the lock is freed now, so a standby takes over while this one closes
      await leadership.stop();
      await radio.stop();
      await heartbeat.stop(); // its sessions and relays are ended: nothing left for the leader's sweep
      stopMediaJobMetrics();
      await footage.stop();
      await incidents.stop();
      await vision.stop();
      await releases.stop();
      await mosquittoAccounts?.stop();
      await fleet.stop();
      await notifications.stop(); // sends in flight finish and are recorded; before the bus, so handlers still running can enqueue
      await events.stop(); // nothing publishes any more; handlers still running finish before the database closes
      await broker.close();
      await freeClientId();
      mediaCleanup.stop();
      await media.close(); // the domains that read and write media are stopped
      await loginDigest.stop();
      await query.close();
      logger.info('Smart Commune cloud stopped');
    },
  };
}
