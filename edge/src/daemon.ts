import { LIVE_BROADCAST, NO_CAMERAS, newId, topics, type SpeakerTelemetry } from '@smart-commune/shared';
import { createLogger, type BackoffOptions, type Logger } from '@smart-commune/shared/runtime';
import { loadCredentials, loadEdgeConfig, saveCredentials, type EdgeConfig } from './config.js';
import { openEdgeDatabase, type Db } from './db/database.js';
import { StateStore } from './db/state.js';
import { ClockSync, systemClock } from './fleet/clock-sync.js';
import { CommandServer } from './fleet/commands.js';
import { DesiredDocuments } from './fleet/desired-documents.js';
import { speakerTelemetry, TelemetryReporter } from './fleet/telemetry.js';
import { MqttLink } from './link/mqtt-link.js';
import { Outbox } from './outbox/outbox.js';
import { EDGE_VERSION } from './version.js';
import { createEdgeRadio, type EdgeRadio } from './radio/index.js';
import { createEdgeIncidents, type EdgeIncidentsHandle } from './incidents/index.js';
import { EdgeFootage } from './footage/footage.js';
import { EdgeVision, RING_SHARE } from './vision/service.js';
import { startLiveView, type LiveView } from './vision/live-view/index.js';

export interface EdgeDaemonOptions {
  dataDir: string;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Test only: a deliberate error of the box's clock, in ms. */
  clockSkewMs?: number;
  /** YOLOX-Nano files; default the box config's modelDir, then SC_MODEL_DIR. */
  modelDir?: string;
}

export interface EdgeDaemon {
  config: EdgeConfig;
  db: Db;
  link: MqttLink;
  outbox: Outbox;
  documents: DesiredDocuments;
  telemetry: TelemetryReporter;
  clock: ClockSync;
  radio: EdgeRadio;
  vision: EdgeVision;
  incidents: EdgeIncidentsHandle;
  footage: EdgeFootage;
  stop(): Promise<void>;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

/** Starts the daemon of one hamlet cabinet from its data dir; works offline from its stored state. */
export async function startEdgeDaemon(options: EdgeDaemonOptions): Promise<EdgeDaemon> {
  const { dataDir } = options;
  const config = loadEdgeConfig(dataDir);
  loadCredentials(dataDir); // fail at start, not at the first reconnect
  const logger = (options.logger ?? createLogger('sc-edge')).child({ edgeId: config.edgeId });
  const startedAt = Date.now();
  const db = openEdgeDatabase(dataDir);
  const state = new StateStore(db);
  state.set('daemon', { pid: process.pid, startedAt, version: EDGE_VERSION });

  const link = new MqttLink({ config, credentials: () => loadCredentials(dataDir), state, logger, backoff: options.backoff });
  const outbox = new Outbox(db, link, config.edgeId, logger);
  const clock = new ClockSync(config.cloudUrl, state, logger, systemClock(options.clockSkewMs ?? Number(process.env.SC_EDGE_TEST_CLOCK_SKEW_MS ?? 0)));
  const incidents = createEdgeIncidents({ db, outbox, dataDir, cloudUrl: config.cloudUrl, credentials: () => loadCredentials(dataDir), logger });
  const vision = new EdgeVision({
    dataDir,
    modelDir: options.modelDir ?? config.modelDir,
    incidents: incidents.incidents,
    onCameraEvent: (event) => {
      outbox.add('camera', event);
      state.set('cameras', vision.telemetry()); // for `sc-edge status`
    },
    logger: logger.child({ component: 'vision' }),
  });
  let liveView: LiveView | null = null;
  // the radio is made below (it needs the link's clock and commands); telemetry asks it when it sends
  let speakerHealth: () => SpeakerTelemetry[] = () => [];
  const telemetry = new TelemetryReporter(
    {
      edgeId: config.edgeId,
      dataDir,
      startedAt,
      clock,
      link,
      outboxPending: () => outbox.pending(),
      cameras: () => vision.telemetry(),
      liveViewUrls: () => liveView?.lanUrls ?? [],
      speakers: () => speakerHealth(),
    },
    config.telemetryIntervalS,
    logger,
  );
  const commands = new CommandServer(link, config.edgeId, logger);
  commands.register('ping', (_body, receivedAt) => ({ t1: receivedAt, t2: Date.now() }));
  commands.register('rotate-credentials', (body) => {
    saveCredentials(dataDir, body);
    logger.info('new credentials stored; they take effect on the next connection');
    return { stored: true as const };
  });
  const radio = createEdgeRadio({
    dataDir,
    cloudUrl: config.cloudUrl,
    credentials: () => loadCredentials(dataDir),
    clock,
    identity: { edgeId: config.edgeId, hamletCode: config.hamletCode },
    onPlayback: (event) => outbox.add('playback', event),
    logger,
  });
  speakerHealth = () => speakerTelemetry(radio.player.status().speakers);
  commands.register('test-tone', (body) => radio.testTone(body));
  commands.register('discover-cameras', (body) => vision.discover(body));
  commands.register('camera-snapshot', (body) => vision.snapshot(body));
  link.subscribe(topics.broadcast('alert'), (_topic, payload) => radio.onAlertPayload(payload));
  link.subscribe(topics.broadcast(LIVE_BROADCAST), (_topic, payload) => radio.onLivePayload(payload));
  liveView = config.liveView?.password
    ? await startLiveView({ ...config.liveView, password: config.liveView.password, cameras: () => vision.liveCameras(), logger: logger.child({ component: 'live-view' }) })
    : null;
  state.set('liveViewUrls', liveView?.lanUrls ?? []); // for `sc-edge status`
  const documents = new DesiredDocuments(db, link, config.edgeId, logger);
  await documents.register('config', async (body) => {
    telemetry.setInterval(body.telemetryIntervalS);
    if (body.logLevel) logger.level = body.logLevel;
    if (body.radio) await radio.configure(body.radio);
    const surveillance = body.surveillance ?? NO_CAMERAS;
    const { storage } = surveillance;
    incidents.setRetention({ maxAgeMs: storage.incidentDays * 86_400_000, maxBytes: Math.floor(storage.maxBytes * (1 - RING_SHARE)) });
    await vision.configure(surveillance);
    await liveView?.updateCameras();
  });
  // after config, so the speakers exist before the plan that uses them
  await documents.register('schedule', (body) => radio.applySchedule(body));
  // footage asked by time: cut from the recordings on disk, so it works before the cameras reconnect
  const footage = new EdgeFootage({
    db,
    outbox,
    evidence: incidents.evidence,
    recorderOf: (cameraId) => vision.recorderOf(cameraId),
    recordingDir: (cameraId) => vision.recordingDir(cameraId),
    logger: logger.child({ component: 'footage' }),
  });
  await documents.register('footage', (body) => footage.apply(body));

  const bootId = newId('boot');
  outbox.add('lifecycle', { phase: 'started', softwareVersion: EDGE_VERSION, bootId });
  link.on('connected', () => outbox.flush());
  link.on('connected', () => incidents.uploader.retryNow());
  link.start();
  outbox.start();
  incidents.start();
  const discoverEveryS = Number(process.env.SC_EDGE_DISCOVERY_EVERY_S ?? 3600);
  if (discoverEveryS > 0) vision.startDiscovery(discoverEveryS * 1000, (devices) => outbox.add('discovery', { devices }));
  telemetry.start();
  clock.start();
  logger.info({ hamlet: config.hamletCode, version: EDGE_VERSION }, 'edge daemon started');

  let stopped = false;
  return {
    config,
    db,
    link,
    outbox,
    documents,
    telemetry,
    clock,
    radio,
    vision,
    incidents,
    footage,
    async stop() {
      if (stopped) return;
      stopped = true;
      await radio.stop(); // first: an item it cuts short is reported before the outbox drains
      await liveView?.stop();
      await vision.stop();
      await incidents.stop(1000);
      outbox.add('lifecycle', { phase: 'stopping', softwareVersion: EDGE_VERSION, bootId });
      await waitFor(() => outbox.pending() === 0 || !link.connected, 1000);
      telemetry.stop();
      clock.stop();
      outbox.stop();
      await link.stop();
      db.close();
      logger.info('edge daemon stopped');
    },
  };
}
