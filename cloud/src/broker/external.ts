import { connect, type MqttClient } from 'mqtt';
import { topicMatches } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudMetrics } from '../metrics.js';
import type { BrokerLink, MessageHandler, PublishOptions } from './link.js';

/**
 * The cloud as a client of a broker it does not run (Mosquitto, EMQX, another Aedes). That broker
 * enforces its own ACLs; the cloud connects with its service credential from the URL.
 */
export async function connectExternalBroker(url: string, logger: Logger, metrics: CloudMetrics): Promise<BrokerLink> {
  const client: MqttClient = connect(url, {
    protocolVersion: 4,
    clientId: `sc-cloud-${process.pid}`,
    clean: true,
    reconnectPeriod: 2000,
  });
  const handlers = new Map<string, Set<MessageHandler>>();
  client.on('message', (topic, payload) => {
    metrics.mqttMessagesIn.inc();
    for (const [filter, set] of handlers) if (topicMatches(filter, topic)) for (const handler of set) handler(topic, payload);
  });
  client.on('error', (err) => logger.error({ err: err.message }, 'external MQTT broker error'));
  client.on('reconnect', () => logger.warn('reconnecting to the external MQTT broker'));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  logger.info({ url: url.replace(/\/\/[^@]*@/, '//***@') }, 'connected to external MQTT broker');

  return {
    async publish(topic: string, payload: string | Buffer, options: PublishOptions) {
      metrics.mqttMessagesOut.inc();
      await client.publishAsync(topic, payload, options);
    },
    async subscribe(filter: string, handler: MessageHandler) {
      let set = handlers.get(filter);
      if (!set) {
        set = new Set();
        handlers.set(filter, set);
        await client.subscribeAsync(filter, { qos: 1 });
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(filter);
          await client.unsubscribeAsync(filter);
        }
      };
    },
    disconnectEdge(edgeId: string) {
      logger.warn({ edgeId }, 'an external broker must drop this edge itself: its credentials are now refused by the cloud');
    },
    connectedEdges: () => null,
    async close() {
      await client.endAsync();
    },
  };
}
