import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { topicMatches } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudMetrics } from '../metrics.js';
import type { BrokerLink, MessageHandler, PublishOptions, SubscribeOptions } from './link.js';

/**
 * The cloud as a client of a broker it does not run (Mosquitto, EMQX, another Aedes). That broker
 * enforces its own ACLs; the cloud connects with its service credential from the URL. With
 * `shareGroup` (several cloud processes), `shared` subscriptions become `$share/<group>/<filter>`:
 * the broker hands each message to one process of the group.
 */
export async function connectExternalBroker(url: string, logger: Logger, metrics: CloudMetrics, options: { shareGroup?: string } = {}): Promise<BrokerLink> {
  const { shareGroup } = options;
  const client: MqttClient = connect(url, {
    protocolVersion: 4,
    // unique per connection: two processes (or two clouds of one test process) must not take over each other's session
    clientId: `sc-cloud-${process.pid}-${randomBytes(4).toString('hex')}`,
    clean: true,
    reconnectPeriod: 2000,
  });
  // keyed by what was subscribed ($share/… or the filter); a message arrives under its own topic, matched against `filter`
  const handlers = new Map<string, { filter: string; set: Set<MessageHandler> }>();
  client.on('message', (topic, payload) => {
    metrics.mqttMessagesIn.inc();
    for (const { filter, set } of handlers.values()) if (topicMatches(filter, topic)) for (const handler of set) handler(topic, payload);
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
    async subscribe(filter: string, handler: MessageHandler, subscribeOptions: SubscribeOptions = {}) {
      const subscription = subscribeOptions.shared && shareGroup ? `$share/${shareGroup}/${filter}` : filter;
      let entry = handlers.get(subscription);
      if (!entry) {
        entry = { filter, set: new Set() };
        handlers.set(subscription, entry);
        await client.subscribeAsync(subscription, { qos: 1 });
      }
      const { set } = entry;
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(subscription);
          await client.unsubscribeAsync(subscription);
        }
      };
    },
    sharesSubscriptions: shareGroup !== undefined,
    disconnectEdge(edgeId: string) {
      logger.warn({ edgeId }, 'an external broker must drop this edge itself: its credentials are now refused by the cloud');
    },
    connectedEdges: () => null,
    async close() {
      await client.endAsync();
    },
  };
}
