import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import { startBoxAccounts } from '../broker/mosquitto/wiring.js';
import type { CloudBroker } from '../broker/start-broker.js';
import type { Leadership } from '../cluster/leadership.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { PublicOrigin } from '../http/public-origin.js';
import type { CloudMetrics } from '../metrics.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { cameraPasswordCodec } from '../vision/camera-secrets.js';
import { createFleet, type Fleet } from './fleet.js';

export interface StartFleetDeps {
  query: QueryDatabase;
  mqtt: CloudBroker;
  metrics: CloudMetrics;
  /** The cloud's logger: the fleet and the box accounts log under their own component. */
  logger: Logger;
  config: CloudConfig;
  bus: DomainEventBus;
  audit: AuditLog;
  leader: Leadership;
  secrets: SecretBox;
  /** Where the addresses a claiming box is given come from. */
  origins: PublicOrigin;
  /** No other cloud process shares the database (SQLite). */
  soleProcess: boolean;
}

/**
 * The fleet in the cloud: the domain (fleet.ts) on the cloud's broker, which checks the boxes'
 * credentials with it from now on, and the boxes' accounts on an external Mosquitto
 * (SC_MQTT_DYNSEC=1), which its stop ends before the fleet's own.
 */
export async function startFleet(deps: StartFleetDeps): Promise<Fleet> {
  const { config, mqtt, origins, logger } = deps;
  const broker = mqtt.link;
  const fleet = await createFleet({
    query: deps.query,
    broker,
    metrics: deps.metrics,
    logger: logger.child({ component: 'fleet' }),
    config,
    bus: deps.bus,
    audit: deps.audit,
    leader: deps.leader,
    // the embedded broker started with this process: no box is connected yet, unless other processes share the database (their brokers hold theirs)
    brokerRestarted: !config.SC_MQTT_URL && deps.soleProcess,
    codec: cameraPasswordCodec(deps.secrets),
    secrets: deps.secrets,
    claimUrls: (requestUrl) => ({
      cloudUrl: origins.publicUrl(requestUrl),
      mqttUrl: config.SC_MQTT_PUBLIC_URL ?? (config.SC_MQTT_URL ? config.SC_MQTT_URL.replace(/\/\/[^@]*@/, '//') : `mqtt://${new URL(origins.trustedOrigin(requestUrl)).hostname}:${broker.port}`),
    }),
  });
  mqtt.checkBoxesWith(fleet.credentials);
  const accounts = await startBoxAccounts(config, { fleet, bus: deps.bus, logger: logger.child({ component: 'mosquitto-accounts' }), leader: deps.leader });
  return {
    ...fleet,
    async stop() {
      await accounts?.stop();
      await fleet.stop();
    },
  };
}
