import { LIVE_BROADCAST, NO_CAMERAS, commandNames, featureOfCommand, featureOfEvent, featuresOf, newId, ownContract, topics, type CommandName, type SpeakerTelemetry } from '@smart-commune/shared';
import { createLogger, type BackoffOptions, type Logger } from '@smart-commune/shared/runtime';
import { loadCredentials, loadEdgeConfig, storeRotatedCredentials, type EdgeConfig } from './config.js';
import { openEdgeDatabase, type Db } from './db/database.js';
import { StateStore } from './db/state.js';
import { ClockSync, clockEveryMs, systemClock } from './fleet/clock-sync.js';
import { CommandServer } from './fleet/commands.js';
import { registerMaintenanceCommands } from './fleet/maintenance.js';
import { DesiredDocuments } from './fleet/desired-documents.js';
import { CloudContractWatch } from './fleet/cloud-contract.js';
import { speakerTelemetry, TelemetryReporter } from './fleet/telemetry.js';
import { MqttLink } from './link/mqtt-link.js';
import { Outbox } from './outbox/outbox.js';
import { EDGE_VERSION } from './version.js';
import { createEdgeRadio, type EdgeRadio } from './radio/index.js';
import { createEdgeIncidents, type EdgeIncidentsHandle } from './incidents/index.js';
import { EdgeFootage } from './footage/footage.js';
import { EdgeVision, RING_SHARE } from './vision/service.js';
import { startLiveView, type LiveView } from './vision/live-view/index.js';
import { supervisedContext, type SupervisedContext } from './supervisor/daemon-side.js';
import { startHealthReporter } from './supervisor/health-reporter.js';
import { registerKeyRotationCommand } from './releases/key-rotation-command.js';
import { createEdgeUpdate, type EdgeUpdater } from './update/index.js';

export interface EdgeDaemonOptions {
  dataDir: string;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Test only: a deliberate error of the box's clock, in ms. */
  clockSkewMs?: number;
  /** YOLOX-Nano files; default the box config's modelDir, then SC_MODEL_DIR. */
  modelDir?: string;
  /**
   * How the `restart` command ends this process: `sc-edge run` stops the daemon and exits with
   * EDGE_EXIT_RESTART. Without it (a library daemon, tests) the command is refused.
   */
  restart?: () => void | Promise<void>;
  /** Test only: commands this daemon answers as unknown, like a box of an older version. */
  unknownCommands?: CommandName[];
  /**
   * Test only: plays a box of this older contract revision: announces its features and answers the
   * commands added later as unknown, as such a box does.
   */
  contractRevision?: number;
  /** Under the supervisor (SC_EDGE_HOME, SC_EDGE_RELEASE): read from the environment unless given (tests). */
  supervised?: SupervisedContext | null;
  /** Called once the update module asked the supervisor for a switch: stop and exit with SWITCH_EXIT_CODE (the CLI does). */
  onSwitchRequested?: () => void;
}

export interface EdgeDaemon {
  config: EdgeConfig;
  db: Db;
  link: MqttLink;
  outbox: Outbox;
  documents: DesiredDocuments;
  /** What the cloud announced of its contract (null until it did: an older cloud never does). */
  cloudContract: CloudContractWatch;
  telemetry: TelemetryReporter;
  clock: ClockSync;
  radio: EdgeRadio;
  vision: EdgeVision;
  incidents: EdgeIncidentsHandle;
  footage: EdgeFootage;
  /** Over-the-air updates: the `release` document. */
  update: EdgeUpdater;
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
  // what the cloud announced of its contract: events of kinds it does not know yet wait in the outbox
  const cloudContract = new CloudContractWatch(link, state, logger);
  const outbox = new Outbox(db, link, config.edgeId, logger, {
    ratePerS: 10,
    sendable: (kind) => {
      const feature = featureOfEvent(kind);
      return feature === null || cloudContract.supports(feature);
    },
    // a cloud of revision 4 on confirms what it stored: until then an event stays, whatever the broker acknowledged
    confirmedByCloud: () => cloudContract.supports('events.confirmed'),
  });
  cloudContract.onChange(() => outbox.flush());
  const clock = new ClockSync(config.cloudUrl, state, logger, systemClock(options.clockSkewMs ?? Number(process.env.SC_EDGE_TEST_CLOCK_SKEW_MS ?? 0)), {
    everyMs: clockEveryMs(process.env.SC_EDGE_CLOCK_EVERY_S),
  });
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
  // what this box announces: its own contract, or (tests) an older revision's
  const contract = options.contractRevision ? { version: options.contractRevision, features: featuresOf(options.contractRevision) } : ownContract();
  const unknownCommands = [
    ...(options.unknownCommands ?? []),
    ...commandNames.filter((c) => {
      const feature = featureOfCommand(c);
      return feature !== null && !contract.features.includes(feature);
    }),
  ];
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
      contract,
    },
    config.telemetryIntervalS,
    logger,
  );
  const commands = new CommandServer(link, config.edgeId, logger, unknownCommands);
  commands.register('ping', (_body, receivedAt) => ({ t1: receivedAt, t2: Date.now() }));
  commands.register('rotate-credentials', (body) => {
    storeRotatedCredentials(dataDir, body);
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
  registerMaintenanceCommands(commands, {
    dataDir,
    rebootCommand: config.rebootCommand,
    player: radio.player,
    cloudNow: () => clock.cloudNow(),
    restart: options.restart,
    logger: logger.child({ component: 'maintenance' }),
  });
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
  // over-the-air updates: download and install in the background, switch at a quiet moment through the supervisor
  const supervised = options.supervised === undefined ? supervisedContext() : options.supervised;
  // release key rotations sent by the cloud: the supervisor's rotate-keys, on the box's home
  registerKeyRotationCommand(commands, supervised, logger.child({ component: 'update' }));
  const update = createEdgeUpdate({
    supervised,
    runningVersion: supervised?.release ?? EDGE_VERSION,
    cloudUrl: config.cloudUrl,
    credentials: () => loadCredentials(dataDir),
    state,
    outbox,
    player: radio.player,
    cloudNow: () => clock.cloudNow(),
    drainOutbox: () => waitFor(() => outbox.pending() === 0 || !link.connected, 5000),
    exitForSwitch: () => (options.onSwitchRequested ? options.onSwitchRequested() : logger.warn('a switch was requested but nothing exits this daemon (not run by the CLI)')),
    logger: logger.child({ component: 'update' }),
  });
  update.start(); // a rollback the supervisor recorded is reported before anything else of the update
  await documents.register('release', (body) => update.apply(body));

  const bootId = newId('boot');
  outbox.add('lifecycle', { phase: 'started', softwareVersion: EDGE_VERSION, bootId, contract });
  link.on('connected', () => outbox.flush());
  link.on('connected', () => incidents.uploader.retryNow());
  link.start();
  outbox.start();
  incidents.start();
  const discoverEveryS = Number(process.env.SC_EDGE_DISCOVERY_EVERY_S ?? 3600);
  if (discoverEveryS > 0) vision.startDiscovery(discoverEveryS * 1000, (devices) => outbox.add('discovery', { devices }));
  telemetry.start();
  clock.start();
  // under the box's supervisor: health facts it judges a new version by (see supervisor/protocol.ts)
  const health = supervised
    ? startHealthReporter(
        supervised,
        { connected: () => link.connected, unappliedDocuments: () => documents.unapplied(), speakers: () => speakerHealth(), cameras: () => vision.telemetry() },
        startedAt,
        logger.child({ component: 'health' }),
      )
    : null;
  if (health) link.on('connected', () => health.writeNow());
  logger.info({ hamlet: config.hamletCode, version: EDGE_VERSION, release: supervised?.release }, 'edge daemon started');

  let stopped = false;
  return {
    config,
    db,
    link,
    outbox,
    documents,
    cloudContract,
    telemetry,
    clock,
    radio,
    vision,
    incidents,
    footage,
    update,
    async stop() {
      if (stopped) return;
      stopped = true;
      health?.stop();
      await update.stop(); // a download in progress stops; it resumes from its partial file after the restart
      await radio.stop(); // first: an item it cuts short is reported before the outbox drains
      await liveView?.stop();
      await vision.stop();
      await incidents.stop(1000);
      outbox.add('lifecycle', { phase: 'stopping', softwareVersion: EDGE_VERSION, bootId, contract });
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
