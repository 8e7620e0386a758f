import { EDGE_CHANNELS, topics, type EdgeChannel } from '@smart-commune/shared';

/**
 * One box's role on Mosquitto, mirroring broker/access.ts (what the embedded broker allows):
 * - publish: only the contract's edge → cloud channels of its own subtree (availability, telemetry,
 *   reported/+, res/+, events/+); never desired/ or req/ (the cloud's), never another box's;
 * - subscribe and receive: its own subtree and the read-only sc/v1/broadcast/#.
 * Everything else falls to the default ACL access, which the cloud sets to deny (DEFAULT_ACL_ACCESS).
 * Mosquitto 2.0.11's dynamic security has no %u/%c patterns, hence one role per box.
 *
 * What the embedded broker enforces and a role cannot: which topics a box may *retain* (mayRetain),
 * its message rate, and per-client payload size. docs/mqtt-api.md ("On Mosquitto") says how each
 * is covered there.
 */

export const ROLE_PREFIX = 'sc-edge-';

export const roleName = (edgeId: string) => `${ROLE_PREFIX}${edgeId}`;

export interface DynsecAcl {
  acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribePattern' | 'subscribeLiteral' | 'unsubscribePattern' | 'unsubscribeLiteral';
  topic: string;
  allow: boolean;
  priority?: number;
}

/** What the cloud sets as the broker's default: nothing is allowed unless a role grants it (unsubscribing is harmless). */
export const DEFAULT_ACL_ACCESS = [
  { acltype: 'publishClientSend', allow: false },
  { acltype: 'publishClientReceive', allow: false },
  { acltype: 'subscribe', allow: false },
  { acltype: 'unsubscribe', allow: true },
] as const;

/** The topics a box publishes: each edge → cloud channel, named ones with one more level. */
export function boxPublishTopics(edgeId: string): string[] {
  return (Object.keys(EDGE_CHANNELS) as EdgeChannel[])
    .filter((channel) => EDGE_CHANNELS[channel].by === 'edge')
    .map((channel) => `${topics.edgeRoot(edgeId)}/${channel}${EDGE_CHANNELS[channel].named ? '/+' : ''}`);
}

export function boxAcls(edgeId: string): DynsecAcl[] {
  const allow = (acltype: DynsecAcl['acltype'], topic: string): DynsecAcl => ({ acltype, topic, allow: true });
  const readable = [topics.edgeSubtree(edgeId), topics.broadcastAll];
  return [
    ...boxPublishTopics(edgeId).map((t) => allow('publishClientSend', t)),
    ...readable.map((t) => allow('subscribePattern', t)),
    ...readable.map((t) => allow('publishClientReceive', t)),
  ];
}

/**
 * Edge ids become usernames, client ids and parts of role names and topics: the plugin's JSON and
 * MQTT topics cannot take wildcards or separators in them, which the cloud's ids never have.
 */
export function assertUsableEdgeId(edgeId: string): void {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(edgeId)) throw new Error(`edge id ${JSON.stringify(edgeId)} cannot be a Mosquitto account (letters, digits, . _ - only)`);
}
