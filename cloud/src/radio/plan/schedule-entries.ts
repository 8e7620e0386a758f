import type { PlaySource } from '@smart-commune/shared';
import { expandSeries } from '../schedules/recurrence.js';
import type { Schedule } from '../schedules/schedule-store.js';
import { zonesForEdge } from '../schedules/targets.js';
import type { BulletinAudio } from './bulletin-audio.js';
import { scheduleOccurrenceId, type PlanEntry, type PlanWindow } from './plan-compiler.js';

/** The occurrences of enabled schedules that sound during the window, as plan entries, each with its owner. */
export function scheduleEntries(schedules: readonly Schedule[], bulletins: ReadonlyMap<string, BulletinAudio>, window: PlanWindow): PlanEntry[] {
  const entries: PlanEntry[] = [];
  for (const s of schedules) {
    // a station's windows reach the boxes as relay live sessions (relays/relay-scheduler.ts), not as plan items
    if (!s.enabled || s.source.kind === 'station') continue;
    let source: PlaySource;
    let bulletinId: string | null = null;
    let durationMs = s.durationMs;
    if (s.source.kind === 'bulletin') {
      const bulletin = bulletins.get(s.source.bulletinId);
      if (!bulletin) continue;
      source = { kind: 'asset', asset: bulletin.asset };
      bulletinId = bulletin.id;
      durationMs = bulletin.durationMs;
    } else {
      source = { kind: 'stream', url: s.source.url };
    }
    for (const o of expandSeries(s, window.start - durationMs, window.end)) {
      entries.push({
        item: {
          occurrenceId: scheduleOccurrenceId(s.id, o.originalAt),
          scheduleId: s.id,
          bulletinId,
          title: s.title,
          source,
          startAt: o.startAt,
          durationMs,
          priority: s.priority,
          // the province's own programme ranks above a commune's items of its priority on the box; a
          // commune's item leaves the key out (absent is the commune's, and older boxes know no other)
          ...(s.communeCode === null ? { issuer: 'province' as const } : {}),
          volume: s.volume,
        },
        communeCode: s.communeCode,
        zonesFor: (edge) => zonesForEdge(s.targets, edge, s.communeCode),
      });
    }
  }
  return entries;
}
