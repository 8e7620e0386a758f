import { describe, expect, it } from 'vitest';
import type { PlanItem } from '@smart-commune/shared';
import { alertRepetitions } from '../alerts/alert-plan.js';
import { compileEdgePlan, MAX_PLAN_BYTES, planWindow, type PlanEntry } from './plan-compiler.js';

const HOUR = 3_600_000;
const asset = { sha256: 'a'.repeat(64), bytes: 1000, durationMs: 60_000, mime: 'audio/ogg' as const };
const edge = { id: 'edg_1', hamletCode: 'ap-2' };

/** zones 'not-here': the entry is not for this edge. */
function entry(occurrenceId: string, startAt: number, extra: Partial<PlanItem> = {}, zones: string[] | null | 'not-here' = null): PlanEntry {
  return {
    item: { occurrenceId, scheduleId: 'sch_1', bulletinId: 'bul_1', title: 'Bản tin', source: { kind: 'asset', asset }, startAt, durationMs: 60_000, priority: 'normal', volume: 100, ...extra },
    zonesFor: () => (zones === 'not-here' ? undefined : zones),
  };
}

describe('planWindow', () => {
  it('reaches from 5 minutes before the hour to 49 hours after it, the same all hour long', () => {
    const hour = Date.parse('2026-12-01T03:00:00Z');
    for (const now of [hour, hour + 1, hour + HOUR - 1]) {
      const w = planWindow(now);
      expect(w).toEqual({ start: hour - 5 * 60_000, end: hour + 49 * HOUR });
      expect(w.start).toBeLessThanOrEqual(now - 5 * 60_000);
      expect(w.end).toBeGreaterThanOrEqual(now + 48 * HOUR);
    }
    expect(planWindow(hour + HOUR).start).toBe(hour + HOUR - 5 * 60_000);
  });
});

describe('compileEdgePlan', () => {
  const window = { start: 1_000_000, end: 1_000_000 + 10 * HOUR };

  it('keeps the items sounding in the window, for this edge, by start and higher priority first', () => {
    const body = compileEdgePlan(
      edge,
      [
        entry('late', window.start + 2 * HOUR),
        entry('emergency-same-time', window.start + 2 * HOUR, { priority: 'emergency' }),
        entry('playing-now', window.start - 30_000),
        entry('ended', window.start - 60_000),
        entry('after-window', window.end),
        entry('other-edge', window.start + HOUR, {}, 'not-here'),
        entry('market-zone', window.start + HOUR, {}, ['cho']),
      ],
      window,
    );
    expect(body.windowStart).toBe(window.start);
    expect(body.windowEnd).toBe(window.end);
    expect(body.items.map((i) => [i.occurrenceId, i.zones])).toEqual([
      ['playing-now', null],
      ['market-zone', ['cho']],
      ['emergency-same-time', null],
      ['late', null],
    ]);
  });

  it('cuts a plan too large for one MQTT message and ends its window where the first left-out item starts', () => {
    const title = 'Thông báo của Ủy ban nhân dân xã Vị Tân về việc phòng, chống dịch sốt xuất huyết trên địa bàn các ấp'.repeat(2);
    const entries = Array.from({ length: 2000 }, (_, i) => entry(`o${i}`, window.start + i * 1000, { title }));
    const body = compileEdgePlan(edge, entries, window);
    const size = Buffer.byteLength(JSON.stringify(body));
    expect(size).toBeLessThanOrEqual(MAX_PLAN_BYTES);
    expect(size).toBeGreaterThan(MAX_PLAN_BYTES - 1000);
    expect(body.items.length).toBeLessThan(2000);
    expect(body.windowEnd).toBe(window.start + body.items.length * 1000);
    expect(body.items.at(-1)!.startAt).toBeLessThan(body.windowEnd);
  });
});

describe('alertRepetitions', () => {
  const alert = { startsAt: 10 * HOUR, repeatEveryMs: 2 * HOUR, expiresAt: 17 * HOUR, durationMs: 30_000 };

  it('repeats every interval from the start while it starts before the expiry', () => {
    expect(alertRepetitions(alert, 0, 100 * HOUR)).toEqual([
      { n: 0, startAt: 10 * HOUR },
      { n: 1, startAt: 12 * HOUR },
      { n: 2, startAt: 14 * HOUR },
      { n: 3, startAt: 16 * HOUR },
    ]);
  });

  it('numbers the repetitions from the alert\'s start whatever the range', () => {
    expect(alertRepetitions(alert, 12 * HOUR + 10_000, 15 * HOUR)).toEqual([
      { n: 1, startAt: 12 * HOUR },
      { n: 2, startAt: 14 * HOUR },
    ]);
  });

  it('plays a non-repeating alert once', () => {
    expect(alertRepetitions({ ...alert, repeatEveryMs: null }, 0, 100 * HOUR)).toEqual([{ n: 0, startAt: 10 * HOUR }]);
    expect(alertRepetitions({ ...alert, repeatEveryMs: null }, 11 * HOUR, 100 * HOUR)).toEqual([]);
  });
});
