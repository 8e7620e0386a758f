import type { Issuer, LiveEndReason, LiveSource, Priority } from '@smart-commune/shared';

export type { LiveEndReason, LiveSource } from '@smart-commune/shared';

/**
 * What a producer (13b's WebSocket ingest of the operator's microphone, 13c's station puller) feeds
 * a live session with. The session's clock takes one 20 ms frame every 20 ms of cloud time from what
 * was written (a small jitter buffer), or silence when nothing is there: time never stretches.
 */
export interface LiveInput {
  /** s16le 48 kHz mono PCM, any length, written in real time. Ignored once the session ended. */
  write(pcm: Buffer): void;
  /** The input is over: 'stopped' (on purpose), 'interrupted' (the operator's link or the station went away), 'failed'. */
  end(reason: LiveEndReason, detail?: string): void;
}

/**
 * Who or what a live session plays to: the whole of its issuer's area (the province, or its commune),
 * chosen communes (the province's sessions only), hamlets (codes) and/or explicit boxes.
 */
export interface LiveTargets {
  all?: boolean;
  communes?: string[];
  hamlets?: string[];
  edges?: string[];
}

export interface LiveSessionSpec {
  source: LiveSource;
  title: string;
  priority: Priority;
  targets: LiveTargets;
  /** Speaker zones on the targeted boxes; null (or absent) for all of them. */
  zones?: string[] | null;
  /** User id of the person who started it; null for the cloud itself (a scheduled relay). */
  startedBy: string | null;
  /**
   * The commune whose session it is: its targets stay in that commune's hamlets (issue 10). Null:
   * the province's, which may reach any commune and ranks above a commune's own on the boxes
   * (issuer province).
   */
  communeCode: string | null;
  /**
   * The session ends 'interrupted' when its input writes nothing for this long (ms). Default 5000 for
   * the voice (the operator's link is gone); null never (a relay's puller fills its own gaps).
   */
  inputTimeoutMs?: number | null;
  /** The session ends 'stopped' on its own at this cloud time (a relay's window); null: when stopped. */
  endsAt?: number | null;
  /** A label of what feeds it, kept with the session (e.g. the station id of a relay). */
  origin?: string | null;
  /** This session's playout latency (epoch = start + this), 200–10000 ms; default SC_LIVE_PLAYOUT_MS. */
  playoutMs?: number;
}

export type LiveSessionStatus = 'on_air' | 'ended';

/** A live session as the API, the console and the producers see it. */
export interface LiveSessionView {
  id: string;
  source: LiveSource;
  title: string;
  priority: Priority;
  status: LiveSessionStatus;
  /** The boxes it plays on, and their hamlets. */
  edges: string[];
  hamletCodes: string[];
  zones: string[] | null;
  /** The commune whose session it is; null: the province's. */
  communeCode: string | null;
  /** `province` exactly when communeCode is null: the boxes rank it above a commune's own of its priority. */
  issuer: Issuer;
  startedBy: string | null;
  origin: string | null;
  startedAt: number;
  /** Cloud time sample 0 plays on the loudspeakers (startedAt + the playout latency). */
  epoch: number;
  endsAt: number | null;
  endedAt: number | null;
  endReason: LiveEndReason | null;
  endDetail: string | null;
  /** Bytes of Ogg Opus written so far (the recording). */
  bytes: number;
  /** Audio of the stream so far, ms (one 20 ms frame per 20 ms on air). */
  durationMs: number;
  /** The archive bulletin the recording became (voice sessions, after the end). */
  bulletinId: string | null;
  /** The boxes' stream path (shared's `liveStreamPath`). */
  streamPath: string;
}

/** The live sessions service (cloud/src/radio/live/live-sessions.ts), as `radio.live`. */
export interface LiveSessionsApi {
  /** Starts a session now: its clock runs from this instant, the boxes learn of it at once. */
  start(spec: LiveSessionSpec): Promise<{ session: LiveSessionView; input: LiveInput }>;
  /** Stops a session on purpose ('stopped'); `by` is the user id (null: the cloud). An ended session is returned unchanged. */
  stop(sessionId: string, by: string | null): Promise<LiveSessionView>;
  get(sessionId: string): Promise<LiveSessionView>;
  /** `commune`: that commune's sessions and the province's (a commune's people); absent: all. */
  list(query?: { status?: LiveSessionStatus; limit?: number; commune?: string }): Promise<LiveSessionView[]>;
}
