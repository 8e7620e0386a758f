import type { PlanItem, PlaybackEvent, PlaySource } from '@smart-commune/shared';
import type { LiveDecoder } from './decode.js';
import type { LiveStream } from './live/live-stream.js';

/** A live session's stream (issue 13): sample k plays at `epoch + k/48` ms, cloud time. */
export interface LiveItemSource {
  kind: 'live';
  sessionId: string;
  /** Full URL of the stream on the cloud. */
  url: string;
  epoch: number;
}

/** A queued item: a plan item, an ad-hoc one whose PCM is given (test tone), or a live session. */
export type QueueItem = Omit<PlanItem, 'source'> & { source: PlaySource | { kind: 'pcm' } | LiveItemSource };

/** An item in the player's queue with what the player knows of it. */
export interface Entry {
  item: QueueItem;
  seq: number;
  fromPlan: boolean;
  /** Waiting for its first start, or interrupted and waiting to resume. */
  status: 'pending' | 'suspended';
  pcm: Buffer | null;
  live: LiveDecoder | null;
  /** A live session's stream, fetched and decoded while the entry waits, plays or is suspended. */
  liveStream: LiveStream | null;
  /** A live session that ended 'stopped': it plays to the end of its stream, then completes. */
  liveEnding: boolean;
  preparing: boolean;
  /** A transient problem (asset not downloaded yet, relay not answering): retried at retryAt. */
  problem: string | null;
  retryAt: number;
  offsetFrames: number;
  actualStartAt: number | null;
  interruptedAt: number | null;
  /** Ad-hoc items never resume after an interruption (a test tone is not worth resuming). */
  resumable: boolean;
  latenessMs: number | null;
  listeners: Array<(event: PlaybackEvent) => void>;
}

export function newEntry(item: QueueItem, seq: number, fromPlan: boolean): Entry {
  return {
    item,
    seq,
    fromPlan,
    status: 'pending',
    pcm: null,
    live: null,
    liveStream: null,
    liveEnding: false,
    preparing: false,
    problem: null,
    retryAt: 0,
    offsetFrames: 0,
    actualStartAt: null,
    interruptedAt: null,
    resumable: true,
    latenessMs: null,
    listeners: [],
  };
}

export function rankOf(e: Entry) {
  return { priority: e.item.priority, issuer: e.item.issuer, startAt: e.item.startAt, seq: e.seq };
}

/** Same key: same audio (a plan reload that keeps it keeps the decoded PCM). */
export function sourceKey(source: QueueItem['source']): string {
  if (source.kind === 'live') return `live:${source.sessionId}`;
  return source.kind === 'asset' ? `asset:${source.asset.sha256}` : source.kind === 'stream' ? `stream:${source.url}` : 'pcm';
}

/** The alert id of an alert occurrence (`alert:{alertId}:{n}`), null for anything else. */
export function alertIdOf(occurrenceId: string): string | null {
  return occurrenceId.startsWith('alert:') ? occurrenceId.slice(6, occurrenceId.lastIndexOf(':')) : null;
}
