import { filterWithin, topics, topicMatches } from '@smart-commune/shared';

/** Who a connected MQTT client is, decided at authentication. */
export type ClientIdentity = { kind: 'edge'; edgeId: string } | { kind: 'service' };

/** An edge publishes only inside its own subtree; the cloud's service credential anywhere under sc/. */
export function mayPublish(identity: ClientIdentity, topic: string): boolean {
  if (identity.kind === 'service') return topic.startsWith('sc/');
  const root = topics.edgeRoot(identity.edgeId);
  if (!topic.startsWith(`${root}/`)) return false;
  // desired documents and requests are the cloud's to write, never the edge's own
  return !topicMatches(`${root}/desired/+`, topic) && !topicMatches(`${root}/req/+`, topic);
}

/** An edge subscribes only inside its own subtree, plus the read-only broadcast tree. */
export function maySubscribe(identity: ClientIdentity, filter: string): boolean {
  if (identity.kind === 'service') return filter.startsWith('sc/') || filter === '#';
  return filterWithin(filter, topics.edgeRoot(identity.edgeId)) || filterWithin(filter, topics.broadcastAll.slice(0, -2));
}
