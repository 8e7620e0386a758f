import {
  decodeEdgeMessage,
  EDGE_CHANNELS,
  eventBodies,
  MAX_PAYLOAD_BYTES,
  parseEdgeTopic,
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
import type { StoredConfirmations } from './stored-confirmations.js';

/**
 * What the boxes publish that several cloud processes split between them (shared subscriptions,
 * docs/mqtt-api.md "Several cloud processes"). Command replies (`res`) are not among them: every
 * process receives each reply, and only the one holding the request acts on it.
 */
export const SHARED_CHANNELS = ['availability', 'telemetry', 'reported', 'events'] as const satisfies readonly EdgeChannel[];

/**
 * What a box sends once and the cloud must not lose: the handler answers with the promise of its
 * store, and an external broker's link acknowledges the message only once it resolved (broker/external.ts).
 * Events are stored once per eventId however often a box sends one (and confirmed on `stored`); a reported document
 * is not sent again until the box's state changes. Availability and telemetry are superseded by
 * the next one, so the link does not wait for them.
 */
const DURABLE_CHANNELS: ReadonlySet<string> = new Set<EdgeChannel>(['events', 'reported']);

export interface IngestDeps {
  broker: BrokerLink;
  presence: Presence;
  documents: Documents;
  commands: CommandClient;
  events: EdgeEvents;
  /** Optional so tests of ingest alone need none. */
  contracts?: EdgeContracts;
  /** Tells boxes which events are stored (contract revision 4); optional so tests of ingest alone need none. */
  confirmations?: StoredConfirmations;
  metrics: CloudMetrics;
  logger: Logger;
  isActiveEdge(edgeId: string): Promise<boolean>;
}

/** The eventId of an event of a known kind whose payload breaks the contract, when it has a readable one. */
function refusedEvent(channel: string, kind: string, payload: Buffer): string | null {
  if (channel !== 'events' || !Object.prototype.hasOwnProperty.call(eventBodies, kind) || payload.length > MAX_PAYLOAD_BYTES) return null;
  try {
    const eventId = (JSON.parse(payload.toString()) as { eventId?: unknown } | null)?.eventId;
    return typeof eventId === 'string' && eventId.length > 0 && eventId.length <= 64 ? eventId : null;
  } catch {
    return null;
  }
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
        // stored and published in the box's order by its own chain; awaited, so the broker link
        // acknowledges the event only once it is stored (DURABLE_CHANNELS)
        await events.record(edgeId, name as EventKind, message as EventMessage<EventKind>);
        deps.confirmations?.stored(edgeId, (message as EventMessage<EventKind>).eventId);
        return;
    }
  };

  const handle = (topic: string, payload: Buffer): Promise<void> | undefined => {
    // the cloud's own publications (desired documents, requests, confirmations) pass through the same tree
    const parsed = parseEdgeTopic(topic);
    if (parsed && EDGE_CHANNELS[parsed.channel].by === 'cloud') return;
    const decoded = decodeEdgeMessage(topic, payload);
    if (!decoded.ok) {
      metrics.mqttRejected.inc({ reason: 'schema' });
      logger.warn({ topic, edgeId: decoded.topic?.edgeId, reason: decoded.reason }, 'MQTT payload dropped');
      const refused = decoded.topic ? refusedEvent(decoded.topic.channel, decoded.topic.name, payload) : null;
      // the box stops sending an event the cloud can never store; one of a kind this cloud does not know is kept by the box (a newer cloud may)
      if (refused) deps.confirmations?.refused(decoded.topic!.edgeId, refused, decoded.reason);
      return;
    }
    const { edgeId, channel, name } = decoded.topic;
    const applied = chains.run(edgeId, () => apply(topic, edgeId, channel, name, decoded.message)).catch((err: unknown) => {
      metrics.mqttRejected.inc({ reason: 'storage' });
      logger.error({ err, topic, edgeId }, 'failed to process an MQTT message');
      throw err;
    });
    // the link waits (and acknowledges) only for what must not be lost; a failed store of anything
    // else was logged and counted above, and the box sends its state again
    if (DURABLE_CHANNELS.has(channel)) return applied;
    applied.catch(() => undefined);
    return undefined;
  };

  const safeHandle = (topic: string, payload: Buffer): Promise<void> | undefined => {
    try {
      return handle(topic, payload);
    } catch (err) {
      logger.error({ err, topic }, 'failed to process an MQTT message');
      return undefined;
    }
  };
  // all at once: each handler is in place before any subscription is answered, so what a resumed
  // persistent session delivers first finds its handler (broker/external.ts)
  const unsubscribes = await Promise.all(
    deps.broker.sharesSubscriptions
      ? [
          // consumed once between the cloud's processes: each is stored through the database, which is
          // right whichever process gets the message (events once by eventId; presence and reported
          // ordered by the box's own timestamps, not by arrival)
          ...SHARED_CHANNELS.map((channel) => deps.broker.subscribe(topics.channelOfAllEdges(channel), safeHandle, { shared: true })),
          // every process: a reply settles the request of the one process that waits for it
          deps.broker.subscribe(topics.channelOfAllEdges('res'), safeHandle),
        ]
      : [deps.broker.subscribe(topics.allEdges, safeHandle)],
  );
  return async () => {
    for (const unsubscribe of unsubscribes) await unsubscribe();
    // what was received is applied before the database closes, and confirmed to its boxes
    await chains.settled();
    await deps.confirmations?.flush();
  };
}
