import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudMetrics } from '../metrics.js';
import { mayConnectAs, mayPublish, mayRetain, maySubscribe, type ClientIdentity } from './access.js';
import { ConnectionGate } from './connection-gate.js';
import { guardRouting } from './emitter-guard.js';
import { indexRetainedMessages } from './retained-index.js';
import { storeOf, type BrokerLink, type MessageHandler, type PublishOptions } from './link.js';
import { TokenBucket } from './rate-limit.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  maxPayloadBytes: number;
  ratePerS: number;
  /** Sockets from one address that may be open without having logged in. */
  maxUnauthenticatedPerAddress: number;
  /** Identity of a username/password, or null to refuse the connection (async: the credentials are in the database). */
  authenticate(username: string, password: string): Promise<ClientIdentity | null>;
  logger: Logger;
  metrics: CloudMetrics;
  /** True while the database's disk is nearly full: boxes' QoS 1 messages are refused, not acknowledged and lost. */
  storageFull?: () => boolean;
}

interface ClientState {
  identity: ClientIdentity;
  bucket: TokenBucket;
  toldAboutRate: boolean;
}

/** Room in a PUBLISH for its topic and packet id beside the payload; the contract's topics are under 100 bytes. */
const PUBLISH_OVERHEAD_BYTES = 4 * 1024;
/** A socket that has not sent its CONNECT by then is closed (Aedes' default of 30 s lets idle sockets pile up). */
const CONNECT_TIMEOUT_MS = 5_000;

function authError(message: string, returnCode: AuthenticateError['returnCode']): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

export interface EmbeddedBroker extends BrokerLink {
  /** The TCP port it listens on (useful when started on port 0). */
  readonly port: number;
}

/**
 * Aedes inside the cloud process. Every client authenticates; edges are confined to their own
 * subtree. Measured weak spots of Aedes shape this: it falls behind under floods and can crash when
 * clients leave with huge queues, so each client's publish rate and payload size are capped here,
 * and the cloud consumes traffic in-process instead of through a TCP subscriber. Before Aedes reads
 * a byte, the connection gate bounds what a client can make the broker buffer (see connection-gate.ts).
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { logger, metrics } = options;
  const states = new WeakMap<Client, ClientState>();
  const edgeClients = new Map<string, Client>();
  /** Packets accepted from the wire but not to be routed (over the rate or size cap). */
  const dropped = new WeakSet<object>();

  const drop = (packet: PublishPacket, reason: 'rate' | 'size') => {
    dropped.add(packet);
    metrics.mqttRejected.inc({ reason });
  };

  const gate = new ConnectionGate({
    maxUnauthenticatedPerAddress: options.maxUnauthenticatedPerAddress,
    onRefused(reason, details) {
      metrics.mqttRejected.inc({ reason });
      // refusals per address come by the hundred from one misbehaving host: the counter tells, the log only when asked
      if (reason === 'unauthenticated_limit') logger.debug(details, 'MQTT socket refused: too many from this address have not logged in');
      else logger.warn({ ...details, reason }, 'MQTT connection closed on a packet header: too long, or not MQTT');
    },
  });

  /** Lets the client in as `identity`, or refuses it (no identity, or an edge whose client id is not its edge id). */
  const admit = (client: Client, username: string | undefined, identity: ClientIdentity | null, done: (err: AuthenticateError | null, success: boolean | null) => void) => {
    if (!identity) {
      metrics.mqttRejected.inc({ reason: 'auth' });
      logger.warn({ clientId: client.id, username }, 'MQTT connection refused: bad username or password');
      return done(authError('bad username or password', 4), false);
    }
    if (!mayConnectAs(identity, client.id)) {
      metrics.mqttRejected.inc({ reason: 'auth' });
      logger.warn({ clientId: client.id, edgeId: username }, 'MQTT connection refused: client id must be the edge id');
      return done(authError('client id must equal the edge id', 2), false);
    }
    // the service credential is the cloud's own and exempt from the payload cap: MQTT's own limit applies
    gate.authenticated(client.conn, identity.kind === 'edge' ? options.maxPayloadBytes + PUBLISH_OVERHEAD_BYTES : Number.POSITIVE_INFINITY);
    const burst = Math.max(10, options.ratePerS * 2);
    states.set(client, { identity, bucket: new TokenBucket(options.ratePerS, burst), toldAboutRate: false });
    done(null, true);
  };

  const aedes = await Aedes.createBroker({
    // Edge ids are 23 characters at most, the MQTT 3.1 limit.
    maxClientsIdLength: 23,
    connectTimeout: CONNECT_TIMEOUT_MS,
    authenticate(client, username, password, done) {
      // Aedes waits for done(): the check may take a database round trip; a failure of the check refuses the client
      const check = username && password ? options.authenticate(username, password.toString()) : Promise.resolve(null);
      check.then(
        (identity) => admit(client, username, identity, done),
        (err: unknown) => {
          metrics.mqttRejected.inc({ reason: 'auth' });
          logger.error({ err, clientId: client.id, username }, 'MQTT connection refused: the credentials could not be checked');
          done(authError('server unavailable', 3), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own publications and wills of departed clients
      const state = states.get(client);
      if (!state || !mayPublish(state.identity, packet.topic)) {
        metrics.mqttRejected.inc({ reason: 'acl' });
        logger.warn({ clientId: client.id, topic: packet.topic }, 'MQTT publish refused: outside the client\'s topics');
        return done(new Error(`not allowed to publish to ${packet.topic}`));
      }
      if (packet.retain && !mayRetain(state.identity, packet.topic)) {
        metrics.mqttRejected.inc({ reason: 'retain' });
        logger.warn({ clientId: client.id, topic: packet.topic }, 'MQTT publish refused: retained where the contract does not retain');
        return done(new Error(`not allowed to retain on ${packet.topic}`));
      }
      if (state.identity.kind === 'service') return done(null);
      if (packet.payload.length > options.maxPayloadBytes) {
        logger.warn({ clientId: client.id, topic: packet.topic, bytes: packet.payload.length }, 'MQTT payload over the size cap refused');
        if (packet.qos > 0) {
          // acknowledging would make the sender forget a message nobody stored
          metrics.mqttRejected.inc({ reason: 'size' });
          return done(new Error('payload over the size cap'));
        }
        drop(packet, 'size');
        return done(null);
      }
      if (packet.qos > 0 && options.storageFull?.()) {
        // acknowledging would make the box forget a message the database cannot store; refused, it stays in the box's outbox
        metrics.mqttRejected.inc({ reason: 'storage' });
        logger.warn({ clientId: client.id, topic: packet.topic }, 'MQTT publish refused: the cloud\'s disk is full; the box keeps it and sends it again');
        return done(new Error('the cloud\'s disk is full'));
      }
      if (!state.bucket.take()) {
        if (!state.toldAboutRate) {
          state.toldAboutRate = true;
          logger.warn({ clientId: client.id, ratePerS: options.ratePerS }, 'MQTT client over its publish rate: excess is dropped and counted');
        }
        if (packet.qos > 0) {
          metrics.mqttRejected.inc({ reason: 'rate' });
          return done(new Error('publish rate exceeded')); // the sender keeps it and retries after reconnecting
        }
        drop(packet, 'rate');
        return done(null);
      }
      done(null);
    },
    authorizeSubscribe(client, subscription, done) {
      const state = states.get(client);
      if (state && maySubscribe(state.identity, subscription.topic)) return done(null, subscription);
      metrics.mqttRejected.inc({ reason: 'acl' });
      logger.warn({ clientId: client.id, topic: subscription.topic }, 'MQTT subscription refused: outside the client\'s topics');
      done(null, null);
    },
  });

  // before any client connects: a subscription's retained messages are looked up by topic level, not by a scan of all of them
  const retained = indexRetainedMessages((aedes as unknown as { persistence: unknown }).persistence);
  // a backlog that drains must not overflow the stack (RangeError in qlobber/mqemitter) nor cost n²: see emitter-guard.ts
  const backlog = guardRouting((aedes as unknown as { mq: unknown }).mq);
  metrics.brokerStateWith(() => ({ retained: retained.size, routingBacklog: backlog.queued() }));

  const routePublish = aedes.publish.bind(aedes) as unknown as (packet: PublishPacket, client: Client | null, done: (err?: Error) => void) => void;
  // Aedes has no hook that drops a publish without disconnecting its sender, so the drop happens here.
  (aedes as unknown as { publish: typeof routePublish }).publish = (packet, client, done) => {
    if (typeof client === 'function') return routePublish(packet, null, client);
    if (dropped.has(packet)) return done();
    routePublish(packet, client, done);
  };

  aedes.on('clientReady', (client) => {
    const state = states.get(client);
    if (state?.identity.kind === 'edge') {
      edgeClients.set(state.identity.edgeId, client);
      metrics.edgesConnected.set(edgeClients.size);
    }
  });
  aedes.on('clientDisconnect', (client) => {
    const state = states.get(client);
    if (state?.identity.kind === 'edge' && edgeClients.get(state.identity.edgeId) === client) {
      edgeClients.delete(state.identity.edgeId);
      metrics.edgesConnected.set(edgeClients.size);
    }
  });
  aedes.on('publish', (_packet, client) => {
    if (client) metrics.mqttMessagesIn.inc();
  });
  aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'MQTT client error'));
  aedes.on('connectionError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'MQTT connection error'));

  const server: Server = createServer((socket) => {
    const conn = gate.admit(socket);
    if (conn) aedes.handle(conn);
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ host: options.host, port }, 'embedded MQTT broker listening');

  return {
    port,
    publish(topic: string, payload: string | Buffer, { qos, retain }: PublishOptions) {
      metrics.mqttMessagesOut.inc();
      const packet: PublishPacket = { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false };
      return new Promise<void>((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
    },
    async subscribe(filter: string, handler: MessageHandler) {
      const deliver = (packet: AedesPublishPacket, cb: () => void) => {
        try {
          // in-process, what the handler stores is not acknowledged to anyone: its promise (a failure
          // the handler already logged and counted) is not waited for, as before
          storeOf(handler(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)))?.catch(() => undefined);
        } finally {
          cb();
        }
      };
      await new Promise<void>((resolve) => aedes.subscribe(filter, deliver, resolve));
      return () => new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, resolve));
    },
    disconnectEdge(edgeId: string) {
      edgeClients.get(edgeId)?.close();
    },
    connectedEdges: () => edgeClients.size,
    async close() {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await serverClosed;
    },
  };
}
