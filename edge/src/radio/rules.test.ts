import { describe, expect, it } from 'vitest';
import { alertOccurrenceId, type AlertMessage } from '@smart-commune/shared';
import { alertOccurrences, alertTargetsEdge } from './alerts.js';
import { applyGain, nonSilentRange, trimmedPcmSha256 } from './pcm.js';
import { compareRanked, latenessLimitMs, preempts } from './queue.js';

describe('queue rules', () => {
  it('orders by priority, then planned start, then arrival', () => {
    const items = [
      { id: 'n-early', priority: 'normal', startAt: 100, seq: 0 },
      { id: 'p-late', priority: 'priority', startAt: 300, seq: 1 },
      { id: 'e', priority: 'emergency', startAt: 400, seq: 2 },
      { id: 'p-early', priority: 'priority', startAt: 200, seq: 3 },
      { id: 'p-early-2', priority: 'priority', startAt: 200, seq: 4 },
    ] as const;
    expect([...items].sort(compareRanked).map((i) => i.id)).toEqual(['e', 'p-early', 'p-early-2', 'p-late', 'n-early']);
  });

  it('only an emergency interrupts, and never another emergency', () => {
    expect(preempts('emergency', 'normal')).toBe(true);
    expect(preempts('emergency', 'priority')).toBe(true);
    expect(preempts('emergency', 'emergency')).toBe(false);
    expect(preempts('priority', 'normal')).toBe(false);
    expect(preempts('normal', 'normal')).toBe(false);
  });

  it('lateness: 15 min for normal and priority; an emergency its whole duration, at least 15 min', () => {
    expect(latenessLimitMs('normal', 60_000)).toBe(15 * 60_000);
    expect(latenessLimitMs('priority', 3600_000)).toBe(15 * 60_000);
    expect(latenessLimitMs('emergency', 60_000)).toBe(15 * 60_000);
    expect(latenessLimitMs('emergency', 3600_000)).toBe(3600_000);
  });
});

describe('alerts', () => {
  const asset = { sha256: 'a'.repeat(64), bytes: 1000, durationMs: 30_000, mime: 'audio/ogg' as const };
  const base: Extract<AlertMessage, { action: 'start' }> = {
    action: 'start', alertId: 'alr_1', version: 1, title: 'Bão', priority: 'emergency', source: { kind: 'asset', asset },
    startAt: 1_000_000_000, repeatEveryMs: 2 * 3600_000, expiresAt: 1_000_000_000 + 7 * 3600_000, volume: 90,
    targets: { all: false, hamlets: ['thon-3'], edges: ['edg_x'] },
  };

  it('targets by all, hamlet or edge', () => {
    expect(alertTargetsEdge(base.targets, { edgeId: 'edg_y', hamletCode: 'thon-3' })).toBe(true);
    expect(alertTargetsEdge(base.targets, { edgeId: 'edg_x', hamletCode: 'thon-9' })).toBe(true);
    expect(alertTargetsEdge(base.targets, { edgeId: 'edg_y', hamletCode: 'thon-9' })).toBe(false);
    expect(alertTargetsEdge({ ...base.targets, all: true }, { edgeId: 'edg_y', hamletCode: 'thon-9' })).toBe(true);
  });

  it('expands repetitions every repeatEveryMs until expiry, skipping those past their limit', () => {
    const items = alertOccurrences(base, base.startAt + 2 * 3600_000 + 20 * 60_000);
    expect(items.map((i) => i.occurrenceId)).toEqual([2, 3].map((n) => alertOccurrenceId('alr_1', n)));
    expect(items[0]!.startAt).toBe(base.startAt + 4 * 3600_000);
    expect(items.every((i) => i.priority === 'emergency' && i.volume === 90 && i.zones === null && i.durationMs === 30_000)).toBe(true);
    expect(alertOccurrences({ ...base, repeatEveryMs: null }, base.startAt).map((i) => i.occurrenceId)).toEqual([alertOccurrenceId('alr_1', 0)]);
  });
});

describe('pcm', () => {
  const pcm = Buffer.alloc(20);
  [0, 0, 1000, -2000, 32767, -32768, 5, 0, 0, 0].forEach((v, i) => pcm.writeInt16LE(v, i * 2));

  it('gain is bit-exact at 100 × 100 and zone/100 × item/100 otherwise, clamped', () => {
    expect(applyGain(pcm, 100, 100)).toBe(pcm);
    const half = applyGain(pcm, 50, 100);
    expect([...Array(10).keys()].map((i) => half.readInt16LE(i * 2))).toEqual([0, 0, 500, -1000, 16384, -16384, 3, 0, 0, 0]);
    const quarter = applyGain(pcm, 50, 50);
    expect(quarter.readInt16LE(4)).toBe(250);
    expect(applyGain(pcm, 0, 100).every((b) => b === 0)).toBe(true);
  });

  it('trims silence on both ends before hashing', () => {
    expect(nonSilentRange(pcm)).toEqual({ start: 4, end: 14 });
    const padded = Buffer.concat([Buffer.alloc(960), pcm, Buffer.alloc(960)]);
    expect(trimmedPcmSha256(padded)).toBe(trimmedPcmSha256(pcm));
    expect(trimmedPcmSha256(Buffer.alloc(10))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
