import { randomBytes } from 'node:crypto';
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { topicMatches } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudMetrics } from '../metrics.js';
import { storeOf, type BrokerLink, type MessageHandler, type PublishOptions, type SubscribeOptions } from './link.js';

/** How long a message of the persistent session waits, at start, for the service that consumes its topic to subscribe. */
const UNMATCHED_WAIT_MS = 30_000;

export interface ExternalBrokerOptions {
  /** SC_MQTT_SHARE_GROUP: `shared` subscriptions become `$share/<group>/<filter>`. */
  shareGroup?: string;
  /**
   * SC_MQTT_CLIENT_ID: a persistent session under this id (clean: false), so what the broker queued
   * or had in flight for this process while it was away is delivered when it comes back. Unset: a
   * fresh id and a clean session per connection (what a process held unacknowledged at its death is lost).
   */
  clientId?: string;
  /** SC_MQTT_DYNSEC=1: the cloud's box accounts drop a revoked box's connection themselves (broker/mosquitto/). */
  dropsEdges?: boolean;
}

/**
 * The cloud as a client of a broker it does not run (Mosquitto, EMQX, another Aedes). That broker
 * enforces its own ACLs; the cloud connects with its service credential from the URL. With
 * `shareGroup` (several cloud processes), `shared` subscriptions become `$share/<group>/<filter>`:
 * the broker hands each message to one process of the group.
 *
 * A QoS 1 message is acknowledged (PUBACK) only after its handlers' promises resolved, i.e. after
 * what must be durable is in the database (mqtt.js's `handleMessage` hook): a process killed between
 * receipt and store has not acknowledged it, and the broker delivers it again (to this client id's
 * persistent session when it returns). mqtt.js takes the next packet only once the hook answered,
 * so the link handles one message at a time; only durable stores make it wait.
 */
export async function connectExternalBroker(url: string, logger: Logger, metrics: CloudMetrics, options: ExternalBrokerOptions = {}): Promise<BrokerLink> {
  const { shareGroup, clientId } = options;
  const client: MqttClient = connect(url, {
    protocolVersion: 4,
    // without a configured id: unique per connection, so two processes (or two clouds of one test
    // process) never take over each other's session
    clientId: clientId ?? `sc-cloud-${process.pid}-${randomBytes(4).toString('hex')}`,
    clean: clientId === undefined,
    // back before the boxes after a broker restart: a message published while no process of the
    // share group is subscribed is discarded by the broker (docs/mqtt-api.md, "Several cloud processes")
    reconnectPeriod: 500,
    // made again on every reconnection below, whatever the broker says it kept
    resubscribe: false,
  });
  // keyed by what was subscribed ($share/… or the filter); a message arrives under its own topic, matched against `filter`
  const handlers = new Map<string, { filter: string; set: Set<MessageHandler> }>();

  // a persistent session delivers what was queued for it at once on connection, before the
  // services subscribed their handlers: such a message waits for its handler (up to
  // UNMATCHED_WAIT_MS) instead of being acknowledged unread
  const signal = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  let handlersChanged = signal();
  let closing = false;
  const matched = (topic: string) => [...handlers.values()].some(({ filter, set }) => set.size > 0 && topicMatches(filter, topic));
  const awaitHandler = async (topic: string): Promise<boolean> => {
    const deadline = Date.now() + UNMATCHED_WAIT_MS;
    while (!matched(topic) && !closing && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([handlersChanged.promise, new Promise((r) => (timer = setTimeout(r, deadline - Date.now())))]);
      clearTimeout(timer);
    }
    return matched(topic);
  };

  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    metrics.mqttMessagesIn.inc();
    if (packet.qos > 0 && !matched(packet.topic)) {
      void awaitHandler(packet.topic).then((found) => {
        if (found) return dispatch(packet, callback);
        // closing: left unacknowledged for the next start; otherwise nobody here consumes this topic
        if (closing) return callback(new Error('closing'));
        logger.warn({ topic: packet.topic }, 'MQTT message no handler consumes: acknowledged and dropped');
        callback();
      });
      return;
    }
    dispatch(packet, callback);
  };
  const dispatch = (packet: IPublishPacket, answer: (error?: Error) => void) => {
    const { topic } = packet;
    // a store that ends after the connection was replaced must not acknowledge: its message id
    // belongs to the old connection (the broker sends the message again on the new one)
    const stream = client.stream;
    const callback = (error?: Error) => answer(error ?? (client.stream === stream ? undefined : new Error('connection replaced before the store ended')));
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const stores: Promise<unknown>[] = [];
    for (const { filter, set } of handlers.values()) {
      if (!topicMatches(filter, topic)) continue;
      for (const handler of set) {
        try {
          const stored = storeOf(handler(topic, payload));
          if (stored) stores.push(stored);
        } catch (err) {
          logger.error({ err, topic }, 'MQTT message handler threw');
        }
      }
    }
    if (stores.length === 0) return callback();
    Promise.all(stores).then(
      () => callback(),
      (err: unknown) => {
        // not acknowledged: the broker keeps it in flight for this session. It re-sends only on a new
        // connection, so drop this one (mqtt.js reconnects in reconnectPeriod): the message comes back
        // then, and the link does not sit behind an unacknowledged message forever. A database that
        // stays down makes this a retry every reconnectPeriod, with every attempt logged and counted.
        metrics.mqttRejected.inc({ reason: 'not_acknowledged' });
        logger.error({ err, topic, messageId: packet.messageId }, 'MQTT message not stored: left unacknowledged, reconnecting so the broker delivers it again');
        callback(err instanceof Error ? err : new Error(String(err)));
        if (packet.qos > 0 && !client.disconnecting) client.stream.destroy();
      },
    );
  };
  client.on('error', (err) => logger.error({ err: err.message }, 'external MQTT broker error'));
  client.on('reconnect', () => logger.warn('reconnecting to the external MQTT broker'));
  let connectedOnce = false;
  client.on('connect', (connack) => {
    if (clientId !== undefined) logger.info({ clientId, sessionPresent: connack.sessionPresent }, 'persistent MQTT session opened');
    // Subscribe again on every reconnection, even to a session the broker says it kept: Mosquitto
    // 2.0.11 restarted from its persistence file reported sessionPresent while almost nothing reached
    // that session (fleet/ingest-crash.test.ts; not isolated from other causes). A SUBSCRIBE to a
    // filter already held only replaces it.
    if (connectedOnce) {
      for (const subscription of handlers.keys()) {
        client.subscribeAsync(subscription, { qos: 1 }).catch((err: unknown) => logger.error({ err, subscription }, 'MQTT subscription not made again after reconnecting'));
      }
    }
    connectedOnce = true;
  });
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
      const fresh = !entry;
      if (!entry) {
        entry = { filter, set: new Set() };
        handlers.set(subscription, entry);
      }
      const { set } = entry;
      // in place before the SUBSCRIBE is answered: a resumed session's queued messages arrive ahead
      // of the SUBACK, and mqtt.js reads the SUBACK only once they were handled
      set.add(handler);
      handlersChanged.resolve();
      handlersChanged = signal();
      if (fresh) await client.subscribeAsync(subscription, { qos: 1 });
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
      // with dynsec the box accounts disable or re-password the box's client, which makes Mosquitto drop it
      if (options.dropsEdges) logger.debug({ edgeId }, 'the box accounts drop this edge on the broker');
      else logger.warn({ edgeId }, 'an external broker must drop this edge itself: its credentials are now refused by the cloud');
    },
    connectedEdges: () => null,
    async close() {
      closing = true;
      handlersChanged.resolve();
      await client.endAsync();
    },
  };
}
