import { describe, expect, it } from 'vitest';
import { ReviewGrouper, type GroupChange, type MatchedObject } from './review-grouper.js';

const T0 = Date.UTC(2026, 11, 6, 15);
const settings = { closeAfterSeconds: 10, maxSeconds: 300, floodPerHour: 60 };
const s = (seconds: number) => T0 + seconds * 1000;

const person = (trackId: number, atS: number, overrides: Partial<MatchedObject> = {}): MatchedObject => ({
  trackId,
  label: 'person',
  score: 0.8,
  ruleId: 'nguoi-dem',
  zoneId: 'san',
  severity: 'alert',
  startMs: s(atS) - 500,
  timeMs: s(atS),
  box: { x: 0.4, y: 0.3, width: 0.1, height: 0.3 },
  ...overrides,
});
const types = (changes: GroupChange[]) => changes.map((c) => c.type);

describe('review items: one item per period of activity on a camera', () => {
  it('two people walking in together are one item with two objects; a third entering joins it', () => {
    const grouper = new ReviewGrouper('cong', settings);
    expect(types(grouper.hit(person(1, 0)))).toEqual(['opened']);
    expect(types(grouper.hit(person(2, 0.4)))).toEqual(['joined']);
    expect(types(grouper.hit(person(3, 20)))).toEqual(['joined']);
    const item = grouper.current!;
    expect(item.objects.map((o) => o.trackId)).toEqual([1, 2, 3]);
    expect(item.main).toEqual({ trackId: 1, ruleId: 'nguoi-dem', zoneId: 'san' });
    expect(item.timeline.map((l) => [l.trackId, l.kind])).toEqual([[1, 'entered'], [2, 'entered'], [3, 'entered']]);
    expect(item.state).toBe('open');
  });

  it('closes closeAfterSeconds after the last object left, not before', () => {
    const grouper = new ReviewGrouper('cong', settings);
    grouper.hit(person(1, 0));
    grouper.hit(person(2, 1));
    grouper.track('end', 1, s(5));
    expect(grouper.tick(s(30))).toEqual([]); // object 2 is still there
    grouper.track('end', 2, s(31));
    expect(grouper.tick(s(40.9))).toEqual([]);
    const closed = grouper.tick(s(41));
    expect(types(closed)).toEqual(['closed']);
    const item = closed[0]!.item;
    expect(item).toMatchObject({ state: 'closed', lastActivityAt: s(31) });
    expect(item.timeline.filter((l) => l.kind === 'left').map((l) => [l.trackId, l.at])).toEqual([[1, s(5)], [2, s(31)]]);
    expect(grouper.current).toBeNull();
    // activity after the close is a new item
    expect(types(grouper.hit(person(4, 60)))).toEqual(['opened']);
    expect(grouper.current!.seq).toBe(2);
  });

  it('an object that became stationary closes the item like one that left; moving again reopens activity', () => {
    const grouper = new ReviewGrouper('cong', settings);
    grouper.hit(person(7, 0, { label: 'car', ruleId: 'xe-cam' }));
    grouper.track('stationary', 7, s(12));
    expect(types(grouper.tick(s(22)))).toEqual(['closed']);
    // the parked car moves off later: that is activity again, in a new item
    const moved = grouper.track('moving', 7, s(100));
    expect(types(moved)).toEqual(['opened']);
    expect(moved[0]!.item.timeline).toMatchObject([{ trackId: 7, kind: 'active', at: s(100) }]);
    // a stationary object inside an open item that moves again keeps it open
    grouper.track('stationary', 7, s(110));
    grouper.track('moving', 7, s(115));
    expect(grouper.tick(s(124))).toEqual([]);
    expect(grouper.current!.timeline.map((l) => l.kind)).toEqual(['active', 'stationary', 'active']);
  });

  it('at the maximum length closes the item and continues it in a new one linked back, with the objects still active', () => {
    const grouper = new ReviewGrouper('cong', { ...settings, maxSeconds: 60 });
    grouper.hit(person(1, 0));
    grouper.hit(person(2, 5));
    grouper.track('end', 2, s(20));
    const changes = grouper.tick(s(60));
    expect(types(changes)).toEqual(['closed', 'opened']);
    const [closed, opened] = changes as [GroupChange, GroupChange];
    expect(closed.item.seq).toBe(1);
    expect(opened.item).toMatchObject({ seq: 2, continues: 1, state: 'open', detectedAt: s(60) });
    expect(opened.item.objects.map((o) => o.trackId)).toEqual([1]);
    // a loiterer with nobody else: it closes at the max again and again, never silently ending
    expect(types(grouper.tick(s(120)))).toEqual(['closed', 'opened']);
    expect(grouper.current!.continues).toBe(2);
  });

  it('a reopened stream (a new tracker) counts every object as gone, so the item closes instead of continuing for ever', () => {
    const grouper = new ReviewGrouper('cong', { ...settings, maxSeconds: 60 });
    grouper.hit(person(1, 0));
    grouper.hit(person(2, 1));
    expect(types(grouper.reset(s(5)))).toEqual(['updated', 'updated']);
    expect(grouper.current!.objects.every((o) => !o.active)).toBe(true);
    expect(types(grouper.tick(s(15)))).toEqual(['closed']);
    // the new tracker numbers from 1 again: a new person 1 is a new object of a new item
    expect(types(grouper.hit(person(1, 20)))).toEqual(['opened']);
    expect(grouper.current!.objects).toHaveLength(1);
  });

  it('a detection-only item becomes an alert when an alert rule matches in it', () => {
    const grouper = new ReviewGrouper('cong', settings);
    grouper.hit(person(1, 0, { severity: 'detection', ruleId: 'nguoi-ngay' }));
    expect(grouper.current!.severity).toBe('detection');
    grouper.hit(person(2, 3, { label: 'car', ruleId: 'xe-cam', severity: 'alert' }));
    expect(grouper.current!.severity).toBe('alert');
  });

  it('over floodPerHour items an hour the camera warns, merges further activity and suggests a fix', () => {
    const grouper = new ReviewGrouper('cho', { closeAfterSeconds: 1, maxSeconds: 300, floodPerHour: 5 });
    for (let i = 0; i < 6; i++) {
      grouper.hit(person(i + 1, i * 10, { zoneId: null, ruleId: 'ca-khung' }));
      grouper.track('end', i + 1, s(i * 10 + 1));
      grouper.tick(s(i * 10 + 3));
    }
    // the sixth item exceeded the limit: it is marked, and it stays open to take in what follows
    const flood = grouper.floodState!;
    expect(flood).toMatchObject({ itemsLastHour: 6, limit: 5, suggestion: { fix: 'zone', ruleId: 'ca-khung', label: 'person', zoneId: null } });
    expect(flood.suggestion.advice).toContain('vùng');
    const merged = grouper.current!;
    expect(merged.flood).toBe(true);
    expect(types(grouper.hit(person(20, 80, { zoneId: null, ruleId: 'ca-khung' })))).toEqual(['joined']);
    grouper.track('end', 20, s(81));
    expect(grouper.tick(s(200))).toEqual([]); // quiet, but merged until the maximum length
    expect(types(grouper.tick(s(50 + 300)))).toEqual(['closed']);
  });

  it('suggests a cooldown when parked objects keep reopening activity, and a minimum size for tiny boxes', () => {
    const parked = new ReviewGrouper('bai-xe', { closeAfterSeconds: 1, maxSeconds: 300, floodPerHour: 3 });
    parked.hit(person(1, 0, { label: 'car', ruleId: 'xe' }));
    for (let i = 1; i <= 4; i++) {
      parked.track('stationary', 1, s(i * 20));
      parked.tick(s(i * 20 + 2));
      parked.track('moving', 1, s(i * 20 + 10));
    }
    expect(parked.floodState?.suggestion.fix).toBe('cooldown');

    const tiny = new ReviewGrouper('duong', { closeAfterSeconds: 1, maxSeconds: 300, floodPerHour: 2 });
    for (let i = 0; i < 3; i++) {
      tiny.hit(person(i + 1, i * 10, { box: { x: 0.9, y: 0.1, width: 0.02, height: 0.05 } }));
      tiny.track('end', i + 1, s(i * 10 + 1));
      tiny.tick(s(i * 10 + 3));
    }
    expect(tiny.floodState?.suggestion).toMatchObject({ fix: 'min-size', area: { x: 0.9, y: 0.1 } });
  });
});
