import { TOPIC_ROOT } from './protocol.js';

/**
 * The channels under `sc/v1/edges/{edgeId}/`: `named` ones take one more level (doc, command or event kind),
 * `by` is the side that publishes on them, `retained` whether that side publishes them retained.
 */
export const EDGE_CHANNELS = {
  availability: { named: false, by: 'edge', retained: true },
  telemetry: { named: false, by: 'edge', retained: false },
  desired: { named: true, by: 'cloud', retained: true },
  reported: { named: true, by: 'edge', retained: true },
  req: { named: true, by: 'cloud', retained: false },
  res: { named: true, by: 'edge', retained: false },
  events: { named: true, by: 'edge', retained: false },
  /** Contract revision 4 (`events.confirmed`): the events the cloud has stored, so the box's outbox may forget them. */
  stored: { named: false, by: 'cloud', retained: false },
} as const;

export type EdgeChannel = keyof typeof EDGE_CHANNELS;

export const topics = {
  edgeRoot: (edgeId: string) => `${TOPIC_ROOT}/edges/${edgeId}`,
  /** Everything an edge may touch: its own subtree. */
  edgeSubtree: (edgeId: string) => `${TOPIC_ROOT}/edges/${edgeId}/#`,
  availability: (edgeId: string) => `${TOPIC_ROOT}/edges/${edgeId}/availability`,
  telemetry: (edgeId: string) => `${TOPIC_ROOT}/edges/${edgeId}/telemetry`,
  desired: (edgeId: string, doc: string) => `${TOPIC_ROOT}/edges/${edgeId}/desired/${doc}`,
  reported: (edgeId: string, doc: string) => `${TOPIC_ROOT}/edges/${edgeId}/reported/${doc}`,
  req: (edgeId: string, command: string) => `${TOPIC_ROOT}/edges/${edgeId}/req/${command}`,
  res: (edgeId: string, command: string) => `${TOPIC_ROOT}/edges/${edgeId}/res/${command}`,
  event: (edgeId: string, kind: string) => `${TOPIC_ROOT}/edges/${edgeId}/events/${kind}`,
  stored: (edgeId: string) => `${TOPIC_ROOT}/edges/${edgeId}/stored`,
  broadcast: (name: string) => `${TOPIC_ROOT}/broadcast/${name}`,
  broadcastAll: `${TOPIC_ROOT}/broadcast/#`,
  allEdges: `${TOPIC_ROOT}/edges/#`,
  /** One channel of every edge: `sc/v1/edges/+/telemetry`, `sc/v1/edges/+/events/+`. */
  channelOfAllEdges: (channel: EdgeChannel) => `${TOPIC_ROOT}/edges/+/${channel}${EDGE_CHANNELS[channel].named ? '/+' : ''}`,
} as const;

export interface EdgeTopic {
  edgeId: string;
  channel: EdgeChannel;
  /** doc, command or event kind for named channels; empty otherwise. */
  name: string;
}

/** Splits `sc/v1/edges/{edgeId}/{channel}[/{name}]`; null for anything else, including extra levels. */
export function parseEdgeTopic(topic: string): EdgeTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== 'sc' || parts[1] !== 'v1' || parts[2] !== 'edges') return null;
  const [, , , edgeId, channel, name, ...rest] = parts;
  if (!edgeId || !channel || rest.length > 0 || !(channel in EDGE_CHANNELS)) return null;
  const named = EDGE_CHANNELS[channel as EdgeChannel].named;
  if (named !== (name !== undefined && name !== '')) return null;
  return { edgeId, channel: channel as EdgeChannel, name: name ?? '' };
}

/** MQTT wildcard match of a concrete topic against a filter (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True when every topic the filter can match lies inside `prefix/` (used for per-edge ACLs). */
export function filterWithin(filter: string, prefix: string): boolean {
  if (!filter.startsWith(`${prefix}/`)) return false;
  const head = filter.slice(0, prefix.length);
  return !head.includes('+') && !head.includes('#');
}
