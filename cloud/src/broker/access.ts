import { documentBodies, EDGE_CHANNELS, filterWithin, parseEdgeTopic, topics } from '@smart-commune/shared';

/** Who a connected MQTT client is, decided at authentication. */
export type ClientIdentity = { kind: 'edge'; edgeId: string } | { kind: 'service' };

/**
 * An edge's MQTT client id is its edge id, so a box has one session and a second connection with its
 * credential takes the first one's place; the cloud's own clients may use any id.
 */
export function mayConnectAs(identity: ClientIdentity, clientId: string): boolean {
  return identity.kind === 'service' || clientId === identity.edgeId;
}

/**
 * An edge publishes only the contract's edge → cloud topics of its own subtree: desired documents and
 * requests are the cloud's to write, and topics off the contract's shape (extra levels, unknown
 * channel) are nobody's. The cloud's service credential publishes anywhere under sc/.
 */
export function mayPublish(identity: ClientIdentity, topic: string): boolean {
  if (identity.kind === 'service') return topic.startsWith('sc/');
  const parsed = parseEdgeTopic(topic);
  return parsed !== null && parsed.edgeId === identity.edgeId && EDGE_CHANNELS[parsed.channel].by === 'edge';
}

/**
 * A retained message stays in the broker's memory until replaced, so an edge retains only where the
 * contract does: its availability, and reported/{doc} for the documents the cloud sends. One box then
 * holds a fixed number of retained messages whatever it publishes.
 */
export function mayRetain(identity: ClientIdentity, topic: string): boolean {
  if (identity.kind === 'service') return true;
  const parsed = mayPublish(identity, topic) ? parseEdgeTopic(topic) : null;
  if (!parsed || !EDGE_CHANNELS[parsed.channel].retained) return false;
  return parsed.channel !== 'reported' || Object.hasOwn(documentBodies, parsed.name);
}

/** An edge subscribes only inside its own subtree, plus the read-only broadcast tree. */
export function maySubscribe(identity: ClientIdentity, filter: string): boolean {
  if (identity.kind === 'service') return filter.startsWith('sc/') || filter === '#';
  return filterWithin(filter, topics.edgeRoot(identity.edgeId)) || filterWithin(filter, topics.broadcastAll.slice(0, -2));
}
