import {
  decodeEdgeMessage,
  topics,
  type Availability,
  type CommandName,
  type CommandResponseMessage,
  type EdgeChannel,
  type EventKind,
  type EventMessage,
  type Reported,
  type Telemetry,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../broker/link.js';
import type { CloudMetrics } from '../metrics.js';
import type { CommandClient } from './commands.js';
import type { Documents } from './documents.js';
import type { EdgeContracts } from './edge-contracts.js';
import type { EdgeEvents } from './edge-events.js';
import type { Presence } from './presence.js';
import { BoxChains } from './box-chains.js';

/**
 * What the boxes publish that several cloud processes split between them (shared subscriptions,
 * docs/mqtt-api.md "Several cloud processes"). Command replies (`res`) are not among them: every
 * process receives each reply, and only the one holding the request acts on it.
 */
export const SHARED_CHANNELS = ['availability', 'telemetry', 'reported', 'events'] as const satisfies readonly EdgeChannel[];

export interface IngestDeps {
  broker: BrokerLink;
  presence: Presence;
  documents: Documents;
  commands: CommandClient;
  events: EdgeEvents;
  /** Optional so tests of ingest alone need none. */
  contracts?: EdgeContracts;
  metrics: CloudMetrics;
  logger: Logger;
  isActiveEdge(edgeId: string): Promise<boolean>;
}

/**
 * Consumes everything edges publish, in-process. A payload that fails its schema is dropped with a
 * logged reason and counted; nothing an edge sends can throw out of here. The stores are async: one
 * box's messages are applied one after the other in the order they arrived (a chain per box, so an
 * "offline" never overtakes the "online" before it), and boxes do not wait for each other. A
 * failure of the database is logged and counted (`storage`).
 */
export async function startIngest(deps: IngestDeps): Promise<() => Promise<void>> {
  const { presence, documents, commands, events, metrics, logger } = deps;
  const chains = new BoxChains();

  const apply = async (topic: string, edgeId: string, channel: string, name: string, message: unknown) => {
    if (!(await deps.isActiveEdge(edgeId))) {
      metrics.mqttRejected.inc({ reason: 'unknown_edge' });
      logger.warn({ topic, edgeId }, 'MQTT message from an edge that is not active dropped');
      return;
    }
    switch (channel) {
      case 'availability':
        return presence.onAvailability(edgeId, message as Availability);
      case 'telemetry':
        await presence.onTelemetry(edgeId, message as Telemetry);
        await deps.contracts?.onTelemetry(edgeId, message as Telemetry);
        return;
      case 'reported':
        return documents.onReported(edgeId, name, message as Reported);
      case 'res':
        if (!commands.onResponse(edgeId, name, message as CommandResponseMessage<CommandName>)) {
          logger.debug({ edgeId, command: name }, 'response nobody waits for (late or unknown transaction)');
        }
        return;
      case 'events':
        // stored and published in the box's order by its own chain (not awaited here: the box's
        // presence does not wait for its events); a database failure is logged and counted
        events.record(edgeId, name as EventKind, message as EventMessage<EventKind>).catch((err: unknown) => {
          metrics.mqttRejected.inc({ reason: 'storage' });
          logger.error({ err, topic, edgeId }, 'edge event not stored');
        });
        return;
    }
  };

  const handle = (topic: string, payload: Buffer) => {
    // the cloud's own publications (desired documents, requests) pass through the same tree
    if (/\/(desired|req)\/[^/]+$/.test(topic)) return;
    const decoded = decodeEdgeMessage(topic, payload);
    if (!decoded.ok) {
      metrics.mqttRejected.inc({ reason: 'schema' });
      logger.warn({ topic, edgeId: decoded.topic?.edgeId, reason: decoded.reason }, 'MQTT payload dropped');
      return;
    }
    const { edgeId, channel, name } = decoded.topic;
    chains
      .run(edgeId, () => apply(topic, edgeId, channel, name, decoded.message))
      .catch((err: unknown) => {
        metrics.mqttRejected.inc({ reason: 'storage' });
        logger.error({ err, topic, edgeId }, 'failed to process an MQTT message');
      });
  };

  const safeHandle = (topic: string, payload: Buffer) => {
    try {
      handle(topic, payload);
    } catch (err) {
      logger.error({ err, topic }, 'failed to process an MQTT message');
    }
  };
  const unsubscribes = deps.broker.sharesSubscriptions
    ? [
        // consumed once between the cloud's processes: each is stored through the database, which is
        // right whichever process gets the message (events once by eventId; presence and reported
        // ordered by the box's own timestamps, not by arrival)
        ...(await Promise.all(SHARED_CHANNELS.map((channel) => deps.broker.subscribe(topics.channelOfAllEdges(channel), safeHandle, { shared: true })))),
        // every process: a reply settles the request of the one process that waits for it
        await deps.broker.subscribe(topics.channelOfAllEdges('res'), safeHandle),
      ]
    : [await deps.broker.subscribe(topics.allEdges, safeHandle)];
  return async () => {
    for (const unsubscribe of unsubscribes) await unsubscribe();
    // what was received is applied before the database closes
    await chains.settled();
  };
}
