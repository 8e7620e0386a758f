import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { recordingDay, SegmentRing, segmentName } from './segment-ring.js';
import { WallClockAnchor } from './wall-clock.js';

const work = mkdtempSync(join(tmpdir(), 'sc-ring-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function segmentFile(dir: string, startMs: number, endMs: number, bytes: number) {
  const path = join(dir, segmentName(startMs, endMs));
  writeFileSync(path, Buffer.alloc(bytes));
  return { path, startMs, endMs, bytes };
}

describe('SegmentRing', () => {
  const now = Date.UTC(2025, 0, 15, 7, 0);

  it('deletes the segments older than maxMinutes, and the oldest beyond maxBytes', () => {
    const dir = join(work, 'bounds');
    const ring = new SegmentRing(dir, { maxMinutes: 1, maxBytes: 300 }, silentLogger());
    ring.add(segmentFile(dir, now - 70_000, now - 68_000, 100), now); // ended more than a minute ago
    expect(ring.segments()).toEqual([]);
    for (let i = 0; i < 4; i++) ring.add(segmentFile(dir, now + i * 2000, now + (i + 1) * 2000, 100), now);
    expect(ring.segments().map((s) => s.startMs)).toEqual([now + 2000, now + 4000, now + 6000]);
    expect(ring.bytes()).toBe(300);
    expect(readdirSync(dir).sort()).toEqual(ring.segments().map((s) => segmentName(s.startMs, s.endMs)).sort());
  });

  it('finds its segments again after a restart and clears what a crash left half-done', () => {
    const dir = join(work, 'restart');
    mkdirSync(join(dir, '.clip-1234'), { recursive: true });
    const recent = Date.now();
    const kept = [segmentFile(dir, recent - 4000, recent - 2000, 10), segmentFile(dir, recent - 2000, recent, 10)];
    writeFileSync(join(dir, 'part-3-000007.ts'), 'half');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    const ring = new SegmentRing(dir, { maxMinutes: 1, maxBytes: 1000 }, silentLogger());
    expect(ring.segments()).toEqual(kept);
    expect(readdirSync(dir).sort()).toEqual([...kept.map((s) => s.path.split('/').pop()), 'notes.txt'].sort());
  });
});

describe('WallClockAnchor', () => {
  it('takes the earliest of the recent observations, since delays only ever make them late', () => {
    const anchor = new WallClockAnchor(3);
    expect(anchor.known).toBe(false);
    anchor.observe(2, 10_150); // media time 0 at 8150
    anchor.observe(4, 12_030); // 8030: the least delayed
    anchor.observe(6, 14_400); // a late one
    expect(anchor.toWallMs(5)).toBe(13_030);
    // the window forgets: after a stream whose timestamps stood still for 3 s, the estimate follows
    for (const media of [8, 10, 12]) anchor.observe(media, 8030 + 3000 + media * 1000 + 40);
    expect(anchor.toWallMs(12)).toBe(23_070);
  });
});

describe('SegmentRing for 24/7 recording', () => {
  const day = 86_400_000;

  it('files segments by day, keeps the newest days within the byte budget, oldest first, and drops emptied days', () => {
    const dir = join(work, 'continuous');
    const now = Date.now();
    const ring = new SegmentRing(dir, { maxMinutes: 2 * 1440, maxBytes: 1000, layout: 'days' }, silentLogger());
    const add = (startMs: number, bytes: number) => {
      const path = ring.pathFor(startMs, startMs + 2000);
      writeFileSync(path, Buffer.alloc(bytes));
      ring.add({ path, startMs, endMs: startMs + 2000, bytes }, now);
    };
    add(now - 3 * day, 100); // older than the 2 days kept
    expect(ring.segments()).toEqual([]);
    add(now - 1.5 * day, 300);
    add(now - 0.5 * day, 300);
    add(now - 10_000, 300);
    expect(ring.segments().map((s) => s.path.split('/').slice(-2)[0])).toEqual([recordingDay(now - 1.5 * day), recordingDay(now - 0.5 * day), recordingDay(now - 10_000)]);
    add(now - 5000, 300); // over 1000 bytes: the oldest goes, and its day directory with it
    expect(ring.bytes()).toBe(900);
    expect(ring.segments()[0]!.startMs).toBe(now - 0.5 * day);
    expect(readdirSync(dir).sort()).toEqual([...new Set([recordingDay(now - 0.5 * day), recordingDay(now)])].sort());
    // a restarted daemon finds the day directories again, whichever layout it starts with
    expect(new SegmentRing(dir, { maxMinutes: 2 * 1440, maxBytes: 1000 }, silentLogger()).segments()).toEqual(ring.segments());
  });

  it('gives way to the disk: below the free-space floor the oldest segments go whatever the budget', () => {
    const dir = join(work, 'floor');
    const now = Date.now();
    const ring = new SegmentRing(dir, { maxMinutes: 1440, maxBytes: 1e12, layout: 'days' }, silentLogger());
    for (let i = 0; i < 3; i++) {
      const path = ring.pathFor(now - 10_000 + i * 2000, now - 8000 + i * 2000);
      writeFileSync(path, Buffer.alloc(10));
      ring.add({ path, startMs: now - 10_000 + i * 2000, endMs: now - 8000 + i * 2000, bytes: 10 }, now);
    }
    expect(ring.segments()).toHaveLength(3);
    const fs = statfsSync(dir);
    ring.setLimits({ maxMinutes: 1440, maxBytes: 1e12, layout: 'days', minFreeBytes: fs.bavail * fs.bsize + 1e15 }, now);
    expect(ring.segments()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
