import type { IncidentEvent } from '@smart-commune/shared';

/**
 * An event as an item. A box from before review items sends one tracked object and one clip without
 * `objects`, `timeline` or `clipParts`: those are made from its main facts, so both kinds read alike.
 */
export function asItem(event: IncidentEvent): IncidentEvent {
  const objects = event.objects.length
    ? event.objects
    : [
        {
          trackId: event.trackId,
          label: event.label,
          score: event.score,
          zoneIds: event.zoneId === null ? [] : [event.zoneId],
          ruleIds: [event.ruleId],
          firstSeenAt: event.startedAt,
          lastSeenAt: event.endedAt ?? event.detectedAt,
          box: event.box,
          snapshot: event.snapshot,
        },
      ];
  const timeline = event.timeline.length
    ? event.timeline
    : [{ at: event.startedAt, trackId: event.trackId, label: event.label, kind: 'entered' as const, ...(event.zoneId === null ? {} : { zoneId: event.zoneId }) }];
  const clipParts =
    event.clipParts.length || event.clip === null
      ? event.clipParts
      : [{ index: 0, startMs: event.endedAt === null ? event.detectedAt : Math.max(0, event.endedAt - event.clip.durationMs), ...event.clip }];
  return { ...event, objects, timeline, clipParts };
}
