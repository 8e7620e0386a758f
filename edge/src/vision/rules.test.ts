import { describe, expect, it } from 'vitest';
import { inWindow, RuleEngine, type Rule, type ZoneEntry } from './rules.js';
import type { Track } from './tracker.js';

const T0 = Date.UTC(2025, 0, 15, 7, 0); // 14:00 in Vietnam
const MIN = 60_000;

function track(id: number, label = 'person', firstSeenMs = T0): Track {
  return { id, label, classId: 0, box: { x: 0, y: 0, width: 1, height: 1 }, score: 0.8, bestScore: 0.9, confirmed: true, stationary: false, firstSeenMs, lastSeenMs: firstSeenMs };
}

const nowhere: ZoneEntry = () => undefined;
/** Every track entered "gate" at T0. */
const atGate: ZoneEntry = (_id, zone) => (zone === 'gate' ? T0 : undefined);

describe('RuleEngine', () => {
  it('reports a matching track once, with its zone, class, best score and start', () => {
    const engine = new RuleEngine([{ id: 'r', zone: 'gate', classes: ['person'] }]);
    expect(engine.evaluate('cam1', T0, [track(1)], atGate)).toEqual([
      { ruleId: 'r', camera: 'cam1', zone: 'gate', trackId: 1, label: 'person', bestScore: 0.9, startMs: T0, timeMs: T0 },
    ]);
    expect(engine.evaluate('cam1', T0 + 1000, [track(1)], atGate)).toEqual([]);
    expect(engine.evaluate('cam1', T0 + 1000, [track(1)], nowhere)).toEqual([]);
  });

  it('filters by camera, class, zone and confirmation', () => {
    const engine = new RuleEngine([{ id: 'r', camera: 'cam1', zone: 'gate', classes: ['car'] }]);
    expect(engine.evaluate('cam2', T0, [track(1, 'car')], atGate)).toEqual([]);
    expect(engine.evaluate('cam1', T0, [track(1, 'person')], atGate)).toEqual([]);
    expect(engine.evaluate('cam1', T0, [track(1, 'car')], nowhere)).toEqual([]);
    expect(engine.evaluate('cam1', T0, [{ ...track(1, 'car'), confirmed: false }], atGate)).toEqual([]);
    expect(engine.evaluate('cam1', T0, [track(1, 'car')], atGate)).toHaveLength(1);
  });

  it('keeps track ids of different cameras apart', () => {
    const engine = new RuleEngine([{ id: 'r' }]);
    expect(engine.evaluate('cam1', T0, [track(1)], nowhere)).toHaveLength(1);
    expect(engine.evaluate('cam2', T0, [track(1)], nowhere)).toHaveLength(1);
  });

  it('fires only inside its time window, in the commune’s time zone, across midnight', () => {
    const night: Rule = { id: 'night', windows: [{ start: '22:00', end: '05:00' }] };
    const engine = new RuleEngine([night]);
    expect(engine.evaluate('c', T0, [track(1)], nowhere)).toEqual([]); // 14:00
    expect(engine.evaluate('c', T0 + 8 * 60 * MIN - MIN, [track(1)], nowhere)).toEqual([]); // 21:59
    expect(engine.evaluate('c', T0 + 8 * 60 * MIN, [track(1)], nowhere)).toHaveLength(1); // 22:00: the same track, now in the window
    expect(engine.evaluate('c', T0 + 12 * 60 * MIN, [track(2)], nowhere)).toHaveLength(1); // 02:00
    expect(engine.evaluate('c', T0 + 15 * 60 * MIN, [track(3)], nowhere)).toEqual([]); // 05:00 is past the end
    // the same instant is 08:00 in UTC, inside a 07:00-09:00 window there but not in Vietnam (15:00)
    const utc = new RuleEngine([{ id: 'morning', windows: [{ start: '07:00', end: '09:00' }] }], { timeZone: 'UTC' });
    expect(utc.evaluate('c', T0 + 60 * MIN, [track(4)], nowhere)).toHaveLength(1);
    const hcm = new RuleEngine([{ id: 'morning', windows: [{ start: '07:00', end: '09:00' }] }]);
    expect(hcm.evaluate('c', T0 + 60 * MIN, [track(4)], nowhere)).toEqual([]);
  });

  it('waits for the dwell time in the zone (loitering)', () => {
    const engine = new RuleEngine([{ id: 'loiter', zone: 'gate', minDwellSeconds: 30 }]);
    expect(engine.evaluate('c', T0 + 29_999, [track(1)], atGate)).toEqual([]);
    const [hit] = engine.evaluate('c', T0 + 30_000, [track(1)], atGate);
    expect(hit).toMatchObject({ trackId: 1, startMs: T0, timeMs: T0 + 30_000 });
    // without a zone, dwell counts from when the object appeared
    const anywhere = new RuleEngine([{ id: 'loiter', minDwellSeconds: 10 }]);
    expect(anywhere.evaluate('c', T0 + 9000, [track(2)], nowhere)).toEqual([]);
    expect(anywhere.evaluate('c', T0 + 10_000, [track(2)], nowhere)).toHaveLength(1);
  });

  it('stays quiet during the cooldown, and does not report later what it passed over', () => {
    const engine = new RuleEngine([{ id: 'r', cooldownSeconds: 60 }]);
    expect(engine.evaluate('c', T0, [track(1), track(2)], nowhere).map((h) => h.trackId)).toEqual([1]);
    expect(engine.evaluate('c', T0 + 30_000, [track(1), track(2), track(3)], nowhere)).toEqual([]);
    expect(engine.evaluate('c', T0 + 60_000, [track(1), track(2), track(3)], nowhere)).toEqual([]);
    expect(engine.evaluate('c', T0 + 60_000, [track(4)], nowhere).map((h) => h.trackId)).toEqual([4]);
  });

  it('may report a track id again after the track was forgotten (ids are not reused by one tracker)', () => {
    const engine = new RuleEngine([{ id: 'r' }]);
    engine.evaluate('c', T0, [track(1)], nowhere);
    engine.forget('c', 1);
    expect(engine.evaluate('c', T0, [track(1)], nowhere)).toHaveLength(1);
  });

  it('refuses bad times and duplicate ids', () => {
    expect(() => new RuleEngine([{ id: 'x', windows: [{ start: '24:00', end: '05:00' }] }])).toThrow(/rule x: time "24:00"/);
    expect(() => new RuleEngine([{ id: 'x' }, { id: 'x' }])).toThrow(/twice/);
  });
});

describe('inWindow', () => {
  it('handles plain, midnight-crossing and whole-day windows', () => {
    expect([599, 600, 1019, 1020].map((m) => inWindow(m, 600, 1020))).toEqual([false, true, true, false]);
    expect([1319, 1320, 0, 299, 300].map((m) => inWindow(m, 1320, 300))).toEqual([false, true, true, true, false]);
    expect(inWindow(123, 480, 480)).toBe(true);
  });
});
