import { z } from 'zod';
import { epochMs } from '../time.js';
import { issuerSchema, prioritySchema, zoneNameSchema } from './radio.js';

/*
 * The synchronised live path (issue 13): one stream of audio (the operator's voice, or a station the
 * cloud relays) played by chosen boxes in step. The cloud runs the session's clock and serves one Ogg
 * Opus stream; sample k of it plays on every loudspeaker at `epoch + k / 48` ms (cloud time).
 */

/** What feeds a live session: an operator's microphone, or a station relayed by the cloud (tiếp sóng). */
export const liveSources = ['voice', 'relay'] as const;
export const liveSourceSchema = z.enum(liveSources);
export type LiveSource = z.infer<typeof liveSourceSchema>;

/** Why a session ended: stopped on purpose, its input went away (operator's link, station gone), or the cloud failed it. */
export const liveEndReasons = ['stopped', 'interrupted', 'failed'] as const;
export const liveEndReasonSchema = z.enum(liveEndReasons);
export type LiveEndReason = z.infer<typeof liveEndReasonSchema>;

/** `lvs_` + 12 base32 characters (newId('lvs')): safe in URLs, file names and occurrence ids. */
export const liveSessionIdSchema = z.string().regex(/^lvs_[0-9a-z]{12}$/, 'must be a live session id such as lvs_5k2m9q8x4c7t');

/** The live stream's PCM, before Opus and after decoding: s16le, 48 kHz, mono. */
export const LIVE_SAMPLE_RATE = 48_000;

/** One live session as the boxes see it. */
export const liveSessionEntrySchema = z.object({
  sessionId: liveSessionIdSchema,
  source: liveSourceSchema,
  title: z.string().max(200),
  priority: prioritySchema,
  issuer: issuerSchema.optional(),
  /** The boxes that play it (resolved by the cloud from the hamlets chosen). */
  edges: z.array(z.string().min(1).max(64)).max(500),
  /** Speaker zones on each of those boxes; null for all of them. */
  zones: z.array(zoneNameSchema).max(20).nullable(),
  /** Cloud time (epoch ms) at which sample 0 of the stream plays. */
  epoch: epochMs,
  /** HTTP path of the Ogg Opus stream on the cloud (`liveStreamPath(sessionId)`), fetched with the box's own credentials. */
  streamPath: z.string().min(1).max(300),
  /** Cloud time the session ended (its stream ends there too); null while it is on air. */
  endedAt: epochMs.nullable(),
  endReason: liveEndReasonSchema.optional(),
});
export type LiveSessionEntry = z.infer<typeof liveSessionEntrySchema>;

/**
 * `sc/v1/broadcast/live` (retained, QoS 1): every session on air, plus those that ended in the last
 * minute (so a box that missed the end learns of it). A box plays the ones whose `edges` name it.
 */
export const liveDocSchema = z.object({
  v: z.literal(1),
  sessions: z.array(liveSessionEntrySchema).max(50),
});
export type LiveDoc = z.infer<typeof liveDocSchema>;

/** The broadcast name of the live document: `topics.broadcast(LIVE_BROADCAST)`. */
export const LIVE_BROADCAST = 'live';

/**
 * Occurrence id of a session on a box (its proof of play): `live:{sessionId}` for the voice,
 * `relay:{sessionId}` for relays; the monthly report classifies broadcast time by that prefix.
 */
export function liveOccurrenceId(source: LiveSource, sessionId: string): string {
  return `${source === 'voice' ? 'live' : 'relay'}:${sessionId}`;
}

/** The session id and source of a live occurrence id; null for any other occurrence. */
export function parseLiveOccurrenceId(occurrenceId: string): { source: LiveSource; sessionId: string } | null {
  const m = /^(live|relay):(lvs_[0-9a-z]{12})$/.exec(occurrenceId);
  if (!m) return null;
  return { source: m[1] === 'live' ? 'voice' : 'relay', sessionId: m[2]! };
}

/*
 * Proof of play of a session (`events/playback`): occurrenceId `liveOccurrenceId(source, sessionId)`,
 * scheduleId = the sessionId (no schedule made it), bulletinId null (the archive bulletin exists
 * only once the session has ended), plannedStartAt = epoch.
 */
