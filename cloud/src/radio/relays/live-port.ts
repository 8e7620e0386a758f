import type { Priority } from '@smart-commune/shared';

/*
 * What relays need of the live sessions (cloud/src/radio/live, issue 13's shared design): start a
 * session with a source 'relay', feed its input, stop it. Written against the interface the design
 * note fixes; the live module's own types replace these once it is merged.
 */

export type LiveEndReason = 'stopped' | 'interrupted' | 'failed';

export interface LiveInput {
  write(pcm: Buffer): void;
  end(reason: LiveEndReason, detail?: string): void;
}

export interface LiveTargets {
  all?: boolean;
  hamlets?: string[];
  edges?: string[];
}

export interface RelaySessionSpec {
  source: 'relay';
  title: string;
  priority: Priority;
  targets: LiveTargets;
  zones?: string[] | null;
  startedBy: string | null;
  inputTimeoutMs?: number | null;
  endsAt?: number | null;
  origin?: string | null;
}

export interface RelaySessionView {
  id: string;
  status: 'on_air' | 'ended';
  edges: string[];
  hamletCodes: string[];
  epoch: number;
  endedAt: number | null;
  endReason: LiveEndReason | null;
}

export interface RelayLiveSessions {
  start(spec: RelaySessionSpec): Promise<{ session: RelaySessionView; input: LiveInput }>;
  stop(sessionId: string, by: string | null): Promise<RelaySessionView>;
  get(sessionId: string): RelaySessionView;
}
