import type { Logger } from '@smart-commune/shared/runtime';
import { hashSecret, secretMatches } from '../auth/secrets.js';
import { persistentSecret } from '../bootstrap.js';
import { claimMqttClientId } from '../cluster/client-id-lock.js';
import { configuredServicePassword } from '../cluster/shared-secrets.js';
import type { CloudConfig } from '../config.js';
import type { DiskSpace } from '../disk-space.js';
import type { DeviceCredentials } from '../fleet/device-credentials.js';
import type { Guard } from '../http/access.js';
import type { Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import type { ClientIdentity } from './access.js';
import { startEmbeddedBroker } from './embedded.js';
import { connectExternalBroker } from './external.js';
import { createBrokerAuthority } from './http-auth/broker-authority.js';
import { createBrokerAuthRoutes } from './http-auth/broker-auth-routes.js';
import { cloudCredential } from './http-auth/cloud-credential.js';
import type { BrokerLink } from './link.js';

export const SERVICE_USERNAME = 'sc-cloud';

/** What the broker asks of the fleet's box credentials. */
type BoxCredentials = Pick<DeviceCredentials, 'verify' | 'isActive'>;

/**
 * The cloud's MQTT side: the embedded broker, or a connection to the external one (SC_MQTT_URL),
 * with the cloud's own service credential; and the HTTP questions an external broker asks instead.
 */
export async function startBroker(config: CloudConfig, deps: { logger: Logger; metrics: CloudMetrics; diskSpace: DiskSpace }) {
  const { logger, metrics, diskSpace } = deps;
  const servicePassword = configuredServicePassword(config) ?? persistentSecret(config.SC_DATA_DIR, 'service-password.txt');
  const serviceHash = hashSecret(servicePassword);
  const service = { username: SERVICE_USERNAME, password: servicePassword };

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
  const link: BrokerLink & { port?: number } = config.SC_MQTT_URL
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

  return {
    link,
    mqttUrl: config.SC_MQTT_URL ?? `mqtt://${config.SC_MQTT_HOST}:${link.port}`,
    /** The cloud's own MQTT credential (embedded broker), for tools that act as the cloud. */
    service,
    /** Binds the boxes' credential check once the fleet exists. */
    checkBoxesWith(credentials: BoxCredentials): void {
      verifyDevice = (username, password) => credentials.verify(username, password);
    },
    routes(guard: Guard, credentials: BoxCredentials): Mount[] {
      // an external EMQX or mosquitto-go-auth asks these the questions Aedes answers in-process
      const authority = createBrokerAuthority({
        cloud: cloudCredential(config.SC_MQTT_URL, service),
        verifyBox: (username, password) => credentials.verify(username, password),
        isActiveEdge: (edgeId) => credentials.isActive(edgeId),
      });
      return [{ prefix: '/', app: createBrokerAuthRoutes({ guard, authority, metrics, logger: logger.child({ component: 'broker-http-auth' }) }) }];
    },
    async close(): Promise<void> {
      await link.close();
      await freeClientId();
    },
  };
}

export type CloudBroker = Awaited<ReturnType<typeof startBroker>>;
