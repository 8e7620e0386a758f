import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../broker/link.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import { AccountGate } from './account-gate.js';
import { ClaimTokens } from './claim-tokens.js';
import { CommandClient } from './commands.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { DeviceCredentials } from './device-credentials.js';
import { Documents, type DocumentCodec } from './documents.js';
import { EdgeContracts } from './edge-contracts.js';
import { announceCloudContract } from './cloud-contract.js';
import { EdgeEvents } from './edge-events.js';
import { EdgeStore } from './edge-store.js';
import { createEdgesRoutes } from './edges-routes.js';
import { FleetService, type ClaimUrls } from './fleet-service.js';
import { releaseKeysSource } from './release-keys.js';
import { startIngest } from './ingest.js';
import { Presence } from './presence.js';
import { EdgeMaintenance } from './maintenance.js';
import { createMaintenanceRoutes } from './maintenance-routes.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createProvisionRoutes } from './provision-routes.js';
import { SpeakerAlarms } from './speakers/speaker-alarms.js';
import { SpeakerHistory } from './speakers/speaker-history.js';
import { createSpeakerRoutes } from './speakers/speaker-routes.js';
import { SpeakerZones } from './speakers/speaker-zones.js';
import { StoredConfirmations } from './stored-confirmations.js';
import { ActiveEdges } from './active-edges.js';
import { alwaysLeader, type LeaderGate } from '../cluster/leadership.js';

export interface FleetDeps {
  /** The cloud's database (SQLite or PostgreSQL) through the query layer. */
  query: QueryDatabase;
  broker: BrokerLink;
  metrics: CloudMetrics;
  logger: Logger;
  config: CloudConfig;
  /** Where box events and presence changes are published. */
  bus: DomainEventBus;
  claimUrls(requestUrl: string): ClaimUrls;
  /** How documents are stored: the cameras' passwords encrypted (vision/camera-secrets.ts). */
  codec?: DocumentCodec;
  /** Restarts and reboots of boxes are audited with their reason. */
  audit: AuditLog;
  /** Seals each box's secret beside its hash, so an external broker's lost account can be recreated (broker/mosquitto/). */
  secrets?: SecretBox;
  /** Runs the watchdog, the alarm sweep and the history prune on one process of several (default: this one). */
  leader?: LeaderGate;
  /**
   * Whether every box's connection ended when this process started: true only for the embedded
   * broker on the one process of a SQLite install (default false). An external broker, or another
   * process's embedded broker, still holds its boxes: their presence stays as the database says and
   * the watchdog marks the silent ones by missed heartbeats.
   */
  brokerRestarted?: boolean;
}

export type Fleet = Awaited<ReturnType<typeof createFleet>>;

/** The fleet domain: edge records, provisioning, presence, documents, commands and edge events. */
export async function createFleet(deps: FleetDeps) {
  const { broker, metrics, logger, config } = deps;
  const edges = new EdgeStore(deps.query);
  const tokens = new ClaimTokens(deps.query, config.SC_CLAIM_TOKEN_TTL_S * 1000);
  const credentials = new DeviceCredentials(deps.query, deps.secrets);
  const contracts = new EdgeContracts(deps.query, deps.bus, metrics);
  const documents = new Documents(deps.query, broker, deps.codec, contracts);
  const commands = new CommandClient(broker, config.SC_COMMAND_TIMEOUT_MS, contracts);
  const speakerHistory = new SpeakerHistory(deps.query, config.SC_SPEAKER_HISTORY_DAYS);
  const presence = new Presence(deps.query, metrics, logger, config.SC_TELEMETRY_INTERVAL_S, deps.bus, speakerHistory);
  const events = new EdgeEvents(deps.query, deps.bus);
  const maintenance = new EdgeMaintenance({ edges, commands, audit: deps.audit, logger, metrics });
  // empty until an external broker's account keeper attaches (broker/mosquitto/wiring.ts)
  const accountGate = new AccountGate({ timeoutMs: config.SC_MQTT_DYNSEC_WAIT_MS, logger, waits: metrics.brokerAccountWaits });
  const service = new FleetService({
    edges,
    tokens,
    credentials,
    documents,
    commands,
    presence,
    broker,
    bus: deps.bus,
    logger,
    defaultConfig: { telemetryIntervalS: config.SC_TELEMETRY_INTERVAL_S },
    releaseKeys: releaseKeysSource(config, logger),
    accountGate,
  });

  const speakerAlarms = new SpeakerAlarms({ q: deps.query, bus: deps.bus, history: speakerHistory, logger, metrics, alarmAfterMs: config.SC_SPEAKER_ALARM_AFTER_S * 1000 });
  const speakerZones = new SpeakerZones({ edges, documents, fleet: service, alarms: speakerAlarms });
  const leader = deps.leader ?? alwaysLeader;
  // the history is pruned once a day (and on becoming leader): it grows by a row per zone state change only
  const stopPruning = leader.whileLeader('loudspeaker history prune', () => {
    const prune = () => speakerHistory.prune().catch((err) => logger.error({ err }, 'pruning the loudspeaker history failed; retrying tomorrow'));
    void prune();
    const timer = setInterval(() => void prune(), 86_400_000);
    timer.unref();
    return () => clearInterval(timer);
  });

  if (deps.brokerRestarted) await presence.resetAll('the cloud restarted; waiting for the box to report');
  const activeEdges = new ActiveEdges((edgeId) => credentials.isActive(edgeId), deps.bus);
  const stopIngest = await startIngest({
    broker,
    presence,
    documents,
    commands,
    events,
    contracts,
    confirmations: new StoredConfirmations(broker, logger),
    metrics,
    logger,
    isActiveEdge: (edgeId) => activeEdges.isActive(edgeId),
  });
  // a box that announced another contract gets its documents again as it can now take them
  const stopRegating = deps.bus.subscribe(
    'edge.contract',
    async ({ edgeId, version, previous }) => {
      const changed = await documents.regate(edgeId);
      logger.info({ edgeId, version, previous, changed }, 'box announced another contract revision');
    },
    'fleet',
  );
  await announceCloudContract(broker);
  const republished = await documents.republishAll();
  const stopWatchdog = leader.whileLeader('presence watchdog', () => {
    presence.start();
    return () => presence.stop();
  });
  const stopAlarms = leader.whileLeader('loudspeaker alarm sweep', () => {
    speakerAlarms.start();
    return () => speakerAlarms.stop();
  });
  logger.info({ republished }, 'fleet ready');

  return {
    edges,
    tokens,
    credentials,
    documents,
    contracts,
    commands,
    presence,
    events,
    service,
    accountGate,
    speakers: { history: speakerHistory, alarms: speakerAlarms, zones: speakerZones },
    maintenance,
    routes(guard: Guard, publicUrl: (requestUrl: string) => string): Mount[] {
      return [
        { prefix: API_PREFIX, app: createEdgesRoutes({ guard, edges, fleet: service, documents, contracts, publicUrl }) },
        { prefix: API_PREFIX, app: createProvisionRoutes({ guard, fleet: service, claimUrls: deps.claimUrls }) },
        { prefix: API_PREFIX, app: createSpeakerRoutes({ guard, zones: speakerZones, history: speakerHistory, alarms: speakerAlarms, edges }) },
        { prefix: API_PREFIX, app: createMaintenanceRoutes({ guard, maintenance, edges }) },
      ];
    },
    async stop() {
      await stopWatchdog();
      await stopPruning();
      await stopAlarms();
      commands.close();
      await stopIngest();
      await events.settled();
      await documents.settled();
      await stopRegating();
      await activeEdges.stop();
    },
  };
}
