import { liveOccurrenceId, type LiveDoc, type LiveSessionEntry } from '@smart-commune/shared';
import type { QueueItem } from '../player-entry.js';

/** Nominal length of a live item: it ends with its stream; this only bounds how long an emergency one may wait (queue.ts). */
export const LIVE_NOMINAL_MS = 6 * 3600_000;

/** The sessions of the live document that play on this box, by occurrence id. */
export function sessionsFor(doc: LiveDoc, edgeId: string): Map<string, LiveSessionEntry> {
  const mine = new Map<string, LiveSessionEntry>();
  for (const s of doc.sessions) if (s.edges.includes(edgeId)) mine.set(liveOccurrenceId(s.source, s.sessionId), s);
  return mine;
}

/**
 * A session as a player item: `live:{id}` or `relay:{id}`, scheduleId = the session id, no bulletin
 * (the archive bulletin comes after), planned start = epoch, full volume (each zone's own applies).
 */
export function liveItem(s: LiveSessionEntry, cloudUrl: string): QueueItem {
  return {
    occurrenceId: liveOccurrenceId(s.source, s.sessionId),
    scheduleId: s.sessionId,
    bulletinId: null,
    title: s.title,
    source: { kind: 'live', sessionId: s.sessionId, url: new URL(s.streamPath, cloudUrl).toString(), epoch: s.epoch },
    startAt: s.epoch,
    durationMs: LIVE_NOMINAL_MS,
    priority: s.priority,
    ...(s.issuer ? { issuer: s.issuer } : {}),
    volume: 100,
    zones: s.zones,
  };
}

/** Why a known session stops here: it ended (how), or no longer names this box. */
export function endWhy(s: LiveSessionEntry | undefined): string {
  if (!s) return 'the live session no longer plays on this box';
  if (s.endReason === 'interrupted') return "the live session was interrupted (the operator's or the station's link was lost)";
  if (s.endReason === 'failed') return 'the live session failed on the cloud';
  return 'the live session ended';
}
