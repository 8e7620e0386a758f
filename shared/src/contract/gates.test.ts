import { describe, expect, it } from 'vitest';
import { commandNames } from '../messages/commands.js';
import { broadcastBodies } from '../messages/decode.js';
import { documentNames } from '../messages/documents.js';
import { eventKinds } from '../messages/events.js';
import { priorities, type ScheduleBody } from '../messages/radio.js';
import { BASELINE, CONTRACT_FEATURES, CONTRACT_VERSION, featureOfBroadcast, featureOfCommand, featureOfDocument, featureOfEvent, featuresOf, ownContract, supports } from './features.js';
import { gateDocument, type FeatureLookups } from './gates.js';

const asset = { sha256: 'a'.repeat(64), bytes: 1000, durationMs: 5000, mime: 'audio/ogg' as const };
const item = (n: number, priority: string, kind = 'asset') => ({
  occurrenceId: `sch_${n}:1800000000000`,
  scheduleId: `sch_${n}`,
  bulletinId: null,
  title: `Bản tin ${n}`,
  source: (kind === 'asset' ? { kind, asset } : { kind, stationId: 'vov1' }) as ScheduleBody['items'][number]['source'],
  startAt: 1_800_000_000_000,
  durationMs: 5000,
  priority: priority as ScheduleBody['items'][number]['priority'],
  volume: 100,
  zones: null,
});
const plan = (items: ScheduleBody['items']): ScheduleBody => ({ windowStart: 1_799_999_700_000, windowEnd: 1_800_176_400_000, items });

/** A later revision's additions, as the table will hold them: a relay source kind and an evacuation priority. */
const later: FeatureLookups = {
  document: (doc) => (doc === 'release' ? 'document.release' : null),
  sourceKind: (kind) => (kind === 'relay' ? 'schedule.source.relay' : null),
  priority: (p) => (p === 'evacuation' ? { feature: 'priority.evacuation', fallback: 'emergency' } : null),
};

describe('the feature table', () => {
  it('gives this code every feature up to its revision, and a peer that announced nothing only revision 1', () => {
    expect(ownContract()).toEqual({ version: CONTRACT_VERSION, features: Object.keys(CONTRACT_FEATURES) });
    expect(featuresOf(1)).toEqual([]);
    expect(supports(null, 'documents.tolerant')).toBe(false);
    expect(supports({ version: 2, features: [] }, 'documents.tolerant')).toBe(true);
    expect(supports({ version: 1, features: ['documents.tolerant'] }, 'documents.tolerant')).toBe(true);
    expect(supports({ version: 99, features: [] }, 'not.in.this.table')).toBe(false);
  });

  it('names the feature of everything added after revision 1, and none for what revision 1 had', () => {
    for (const doc of documentNames) expect(featureOfDocument(doc) === null).toBe((BASELINE.documents as readonly string[]).includes(doc));
    for (const command of commandNames) expect(featureOfCommand(command) === null).toBe((BASELINE.commands as readonly string[]).includes(command));
    for (const kind of eventKinds) expect(featureOfEvent(kind) === null).toBe((BASELINE.events as readonly string[]).includes(kind));
    for (const name of Object.keys(broadcastBodies)) expect(featureOfBroadcast(name) === null).toBe((BASELINE.broadcasts as readonly string[]).includes(name));
    expect(featureOfBroadcast('contract')).toBe('contract.announce');
    expect(priorities).toEqual(BASELINE.priorities);
    for (const feature of Object.values(CONTRACT_FEATURES)) expect(feature.since).toBeLessThanOrEqual(CONTRACT_VERSION);
  });
});

describe('gateDocument', () => {
  const body = plan([item(1, 'normal'), item(2, 'evacuation'), item(3, 'normal', 'relay'), item(4, 'emergency')]);

  it('leaves out, for a box without the features, an item of a later source kind, sends a later priority as its fallback, and names both', () => {
    const gated = gateDocument('schedule', body, null, later);
    expect(gated.body?.items.map((i) => [i.scheduleId, i.priority])).toEqual([['sch_1', 'normal'], ['sch_2', 'emergency'], ['sch_4', 'emergency']]);
    expect(gated.withheld).toEqual([
      { path: 'items.1.priority', left: 'items.1.priority', sentAs: '"emergency"', feature: 'priority.evacuation', since: null, label: 'sch_2:1800000000000 (Bản tin 2)' },
      { path: 'items.2.source.kind', left: 'items.2', sentAs: null, feature: 'schedule.source.relay', since: null, label: 'sch_3:1800000000000 (Bản tin 3)' },
    ]);
    expect(body.items).toHaveLength(4);
    expect(body.items[1]!.priority).toBe('evacuation');
  });

  it('sends everything to a box that announced the features', () => {
    const gated = gateDocument('schedule', body, { version: 2, features: ['priority.evacuation', 'schedule.source.relay'] }, later);
    expect(gated).toEqual({ body, withheld: [] });
    const partly = gateDocument('schedule', body, { version: 2, features: ['priority.evacuation'] }, later);
    expect(partly.body?.items.map((i) => i.scheduleId)).toEqual(['sch_1', 'sch_2', 'sch_4']);
  });

  it('withholds a whole document a box does not know, and sends revision 1 documents as they are', () => {
    expect(gateDocument('release' as 'config', { telemetryIntervalS: 10 }, null, later)).toEqual({
      body: null,
      withheld: [{ path: '', left: '', sentAs: null, feature: 'document.release', since: null, label: null }],
    });
    expect(gateDocument('schedule', body, null)).toEqual({ body, withheld: [] });
  });
});
