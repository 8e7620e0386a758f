import type { BroadcastName } from '../messages/decode.js';
import type { CommandName } from '../messages/commands.js';
import type { DocumentName } from '../messages/documents.js';
import type { EventKind } from '../messages/events.js';
import type { PlaySource, Priority } from '../messages/radio.js';
import type { ContractAnnouncement } from './announce.js';

/**
 * Revision of the v1 contract this code speaks. It goes up by one whenever the contract gains
 * something a peer may not understand: a document, command, event kind or broadcast, or a value of
 * an enum in a document (a plan item's source kind, a priority…). Each such addition is a feature
 * in CONTRACT_FEATURES with the revision that brought it. Revision 1 is the contract as it was
 * before peers announced anything: a peer that announces nothing is revision 1.
 */
export const CONTRACT_VERSION = 4;
export const BASELINE_CONTRACT_VERSION = 1;

export interface FeatureSpec {
  /** The first contract revision that has it. */
  since: number;
  summary: string;
}

/** The one table of features → the contract revision that brought them. Append; never renumber. */
export const CONTRACT_FEATURES = {
  'contract.announce': {
    since: 2,
    summary: 'announces its contract revision and features (box: telemetry and lifecycle; cloud: broadcast/contract)',
  },
  'documents.tolerant': {
    since: 2,
    summary: 'keeps the parts of a desired document it understands and names the rest in reported.ignored',
  },
  'maintenance.remote': {
    since: 2,
    summary: 'answers the logs, doctor, restart and reboot commands (and unknown_command for a command it does not know)',
  },
  'updates.release': {
    since: 2,
    summary: 'installs signed releases from the desired release document under its supervisor and reports each step in update events',
  },
  'radio.live': {
    since: 2,
    summary: "plays the live sessions of broadcast/live (the operator's voice, relays) in step, and reports them as live:/relay: occurrences",
  },
  'updates.keys': {
    since: 3,
    summary: 'applies a signed release key-rotation message sent by the rotate-release-keys command, as sc-edge-supervisor rotate-keys does',
  },
  'radio.issuer': {
    since: 3,
    summary:
      "ranks plan items, alerts and live sessions by their issuer within a priority (a province item above a commune's own: a province emergency cuts into a commune emergency, never the reverse); a box before it drops `issuer` and ranks by priority alone (a province emergency then waits for a commune emergency playing), so the cloud withholds nothing from it",
  },
  'events.confirmed': {
    since: 4,
    summary:
      'cloud: confirms on edges/{id}/stored each event it stored (or refused for good); box: keeps an event in its outbox until the cloud confirmed it, not only until the broker acknowledged it, and sends it again after a reconnection or a wait. A box before it forgets an event at the PUBACK (the cloud confirms to nobody); a box talking to a cloud before it does so too',
  },
} as const satisfies Record<string, FeatureSpec>;
export type ContractFeature = keyof typeof CONTRACT_FEATURES;

/** What revision 1 had: a peer that announced nothing understands these and nothing else. */
export const BASELINE = {
  documents: ['config', 'schedule', 'footage'],
  commands: ['ping', 'rotate-credentials', 'test-tone', 'discover-cameras', 'camera-snapshot'],
  events: ['lifecycle', 'playback', 'camera', 'incident', 'discovery', 'footage'],
  broadcasts: ['alert'],
  sourceKinds: ['asset', 'stream'],
  priorities: ['normal', 'priority', 'emergency'],
} as const;

type Later<All extends string, Base extends readonly string[]> = Exclude<All, Base[number]>;

/**
 * Everything added to the contract after revision 1, with the feature a peer must announce before
 * it is sent one. The types make this table complete: adding a document, command, event kind,
 * broadcast, source kind or priority to the schemas without an entry here does not compile.
 */
export const ADDED: {
  documents: Record<Later<DocumentName, typeof BASELINE.documents>, ContractFeature>;
  commands: Record<Later<CommandName, typeof BASELINE.commands>, ContractFeature>;
  events: Record<Later<EventKind, typeof BASELINE.events>, ContractFeature>;
  broadcasts: Record<Later<BroadcastName, typeof BASELINE.broadcasts>, ContractFeature>;
  sourceKinds: Record<Later<PlaySource['kind'], typeof BASELINE.sourceKinds>, ContractFeature>;
  /** A priority added later also names the revision 1 priority a box without it gets instead: an alert is never dropped. */
  priorities: Record<Later<Priority, typeof BASELINE.priorities>, { feature: ContractFeature; fallback: (typeof BASELINE.priorities)[number] }>;
} = {
  documents: { release: 'updates.release' },
  commands: {
    logs: 'maintenance.remote',
    doctor: 'maintenance.remote',
    restart: 'maintenance.remote',
    reboot: 'maintenance.remote',
    'rotate-release-keys': 'updates.keys',
  },
  events: { update: 'updates.release' },
  broadcasts: { contract: 'contract.announce', live: 'radio.live' },
  sourceKinds: {},
  priorities: {},
};

/** The features of a contract revision (all those it has, by the table). */
export function featuresOf(version: number): ContractFeature[] {
  return (Object.keys(CONTRACT_FEATURES) as ContractFeature[]).filter((f) => CONTRACT_FEATURES[f].since <= version);
}

/** What this code announces of itself. */
export function ownContract(): ContractAnnouncement {
  return { version: CONTRACT_VERSION, features: featuresOf(CONTRACT_VERSION) };
}

/** A peer that announced nothing: it predates announcements, so it is revision 1. */
export const BASELINE_CONTRACT: ContractAnnouncement = { version: BASELINE_CONTRACT_VERSION, features: [] };

/**
 * True when a peer that announced `announced` (null: nothing) understands the feature: its
 * revision has it by the table, or it names it. A feature this code does not know is not supported.
 */
export function supports(announced: ContractAnnouncement | null, feature: string): boolean {
  const peer = announced ?? BASELINE_CONTRACT;
  if (peer.features.includes(feature)) return true;
  const spec = (CONTRACT_FEATURES as Record<string, FeatureSpec>)[feature];
  return spec !== undefined && peer.version >= spec.since;
}

const lookup = (table: Record<string, ContractFeature>, key: string): ContractFeature | null =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key]! : null;

/** The feature needed to be sent this document, command or broadcast, or to send this event kind; null for revision 1's. */
export const featureOfDocument = (doc: string) => lookup(ADDED.documents, doc);
export const featureOfCommand = (command: string) => lookup(ADDED.commands, command);
export const featureOfEvent = (kind: string) => lookup(ADDED.events, kind);
export const featureOfBroadcast = (name: string) => lookup(ADDED.broadcasts, name);
export const featureOfSourceKind = (kind: string) => lookup(ADDED.sourceKinds, kind);
/** The feature of a priority added later, and the revision 1 priority sent instead to a box without it. */
export const featureOfPriority = (priority: string): { feature: string; fallback: string } | null =>
  Object.prototype.hasOwnProperty.call(ADDED.priorities, priority) ? (ADDED.priorities as Record<string, { feature: string; fallback: string }>)[priority]! : null;
