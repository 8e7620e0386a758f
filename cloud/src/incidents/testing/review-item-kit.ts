import type { FloodWarning, IncidentEventInput } from '@smart-commune/shared';
import { announce, CLIP, incidentEvent, SNAPSHOT } from './incident-kit.js';

/** A second picture (other bytes, so another hash) for a second object. */
export const SNAPSHOT_2 = Buffer.concat([SNAPSHOT, Buffer.from([0xff, 0xd9])]);

/** A flood warning as a box reports it in its telemetry. */
export const FLOOD: FloodWarning = {
  since: Date.now() - 20 * 60_000,
  itemsLastHour: 75,
  limit: 60,
  suggestion: {
    fix: 'mask',
    ruleId: 'dem-nguoi',
    label: 'person',
    zoneId: 'san',
    area: { x: 0.6, y: 0.1, width: 0.3, height: 0.2 },
    advice: 'Che vùng cây lay động ở góc trên bên phải. / Mask the swaying tree at the top right.',
  },
};

/** Two people walking in together: an alert with two objects, a timeline and the first part of its clip. */
export function twoPeople(overrides: Partial<IncidentEventInput> = {}): IncidentEventInput {
  const at = Date.now() - 60_000;
  const base = incidentEvent({ detectedAt: at, startedAt: at - 4000, trackId: 3 });
  return {
    ...base,
    severity: 'alert',
    state: 'open',
    objects: [
      { trackId: 3, label: 'person', score: 0.9, zoneIds: ['san'], ruleIds: ['dem-nguoi'], firstSeenAt: at - 4000, lastSeenAt: at + 9000, box: base.box, snapshot: announce(SNAPSHOT) },
      { trackId: 4, label: 'motorcycle', score: 0.7, zoneIds: [], ruleIds: ['xe-dem'], firstSeenAt: at + 2000, lastSeenAt: at + 9000, box: base.box, snapshot: announce(SNAPSHOT_2) },
    ],
    timeline: [
      { at: at - 4000, trackId: 3, label: 'person', kind: 'entered', zoneId: 'san' },
      { at: at + 2000, trackId: 4, label: 'motorcycle', kind: 'entered' },
      { at: at + 9000, trackId: 4, label: 'motorcycle', kind: 'left' },
    ],
    clipParts: [{ index: 0, startMs: at - 7000, durationMs: 20_000, ...announce(CLIP) }],
    clip: { ...announce(CLIP), durationMs: 20_000 },
    ...overrides,
  };
}

