import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentEventSchema, type IncidentEvent } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEdgeDatabase, type Db } from '../db/database.js';
import { IncidentStore } from './incident-store.js';
import { enforceIncidentRetention } from './retention.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

describe('incident retention on the box', () => {
  let dir: string;
  let db: Db;
  let store: IncidentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-retention-'));
    db = openEdgeDatabase(dir);
    store = new IncidentStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An incident with a snapshot and a clip of these sizes written to disk, `ageDays` old. */
  function incident(id: string, ageDays: number, sizes: { snapshot: number; clip: number }, uploaded: { snapshot: boolean; clip: boolean }) {
    const paths = { snapshot: join(dir, `${id}.jpg`), clip: join(dir, `${id}.mp4`) };
    writeFileSync(paths.snapshot, Buffer.alloc(sizes.snapshot, 1));
    writeFileSync(paths.clip, Buffer.alloc(sizes.clip, 2));
    const body: IncidentEvent = incidentEventSchema.parse({
      incidentId: id, cameraId: 'cong', ruleId: 'dem', zoneId: null, label: 'person', score: 0.8, trackId: 1,
      startedAt: NOW, detectedAt: NOW, endedAt: NOW + 5000, box: { x: 0.1, y: 0.1, width: 0.1, height: 0.2 },
      snapshot: { sha256: 'a'.repeat(64), bytes: sizes.snapshot }, clip: { sha256: 'b'.repeat(64), bytes: sizes.clip, durationMs: 10_000 },
    });
    store.insert(body, paths.snapshot, 'recording', NOW - ageDays * DAY);
    store.finishClip(id, body, paths.clip);
    if (uploaded.snapshot) store.markUploaded(id, 'snapshot');
    if (uploaded.clip) store.markUploaded(id, 'clip');
    return paths;
  }
  const both = { snapshot: true, clip: true };
  const none = { snapshot: false, clip: false };
  const offered = () => store.pendingUploads(Number.MAX_SAFE_INTEGER, 100).map((u) => `${u.incidentId}/${u.kind}`);

  it('deletes media the cloud holds past the age limit, and keeps what it has not received however old', () => {
    const old = incident('inc_old0000001', 40, { snapshot: 100, clip: 1000 }, both);
    const recent = incident('inc_recent0001', 2, { snapshot: 100, clip: 1000 }, both);
    const waiting = incident('inc_waiting001', 60, { snapshot: 100, clip: 1000 }, none);
    const outcome = enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 1_000_000 }, silentLogger(), NOW);
    expect(outcome).toEqual({ deleted: 1, dropped: 0, bytesKept: 2200 });
    expect([old.clip, old.snapshot].map(existsSync)).toEqual([false, false]);
    expect(store.get('inc_old0000001')).toMatchObject({ snapshotPath: null, clipPath: null }); // the record stays
    expect([recent.clip, waiting.clip, waiting.snapshot].map(existsSync)).toEqual([true, true, true]);
    expect(offered()).toEqual(['inc_waiting001/snapshot', 'inc_waiting001/clip']);
  });

  it('counts media still waiting for the cloud in the budget: uploaded media goes first, oldest first', () => {
    const first = incident('inc_first00001', 3, { snapshot: 100, clip: 1000 }, both);
    const second = incident('inc_second0001', 2, { snapshot: 100, clip: 1000 }, both);
    const waiting = incident('inc_waiting001', 1, { snapshot: 100, clip: 1000 }, none);
    const outcome = enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 2500 }, silentLogger(), NOW);
    expect(outcome).toEqual({ deleted: 1, dropped: 0, bytesKept: 2200 });
    expect([first.clip, second.clip, waiting.clip].map(existsSync)).toEqual([false, true, true]);
  });

  it('over the budget with media the cloud lacks: a half-uploaded incident\'s uploaded file goes first, then the oldest clips, and they are no longer offered', () => {
    const oldest = incident('inc_oldest0001', 3, { snapshot: 100, clip: 1000 }, none);
    const half = incident('inc_half000001', 2, { snapshot: 100, clip: 1000 }, { snapshot: true, clip: false });
    const newest = incident('inc_newest0001', 1, { snapshot: 100, clip: 1000 }, none);
    const outcome = enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 1500 }, silentLogger(), NOW);
    expect(outcome).toEqual({ deleted: 1, dropped: 2, bytesKept: 1200 });
    expect([half.snapshot, oldest.clip, half.clip, newest.clip].map(existsSync)).toEqual([false, false, false, true]);
    expect([oldest.snapshot, newest.snapshot].map(existsSync)).toEqual([true, true]);
    expect(offered()).toEqual(['inc_oldest0001/snapshot', 'inc_newest0001/snapshot', 'inc_newest0001/clip']);

    // tighter: every clip before any snapshot the cloud lacks
    const tighter = enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 1150 }, silentLogger(), NOW);
    expect(tighter).toEqual({ deleted: 0, dropped: 1, bytesKept: 200 });
    expect(existsSync(newest.clip)).toBe(false);
    expect(offered()).toEqual(['inc_oldest0001/snapshot', 'inc_newest0001/snapshot']);
    // and last, the oldest snapshots
    const tightest = enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 150 }, silentLogger(), NOW);
    expect(tightest).toEqual({ deleted: 0, dropped: 1, bytesKept: 100 });
    expect([oldest.snapshot, newest.snapshot].map(existsSync)).toEqual([false, true]);
    expect(offered()).toEqual(['inc_newest0001/snapshot']);
  });

  it("counts an item's other files (objects' pictures, later parts): uploaded ones go first, then parts the cloud lacks, never offered again", () => {
    const item = incident('inc_item000001', 5, { snapshot: 100, clip: 1000 }, both);
    const file = (name: string, bytes: number) => {
      const path = join(dir, name);
      writeFileSync(path, Buffer.alloc(bytes, 3));
      return path;
    };
    const picture = file('inc_item000001-o2.jpg', 100);
    const part1 = file('inc_item000001-p1.mp4', 1000);
    const part2 = file('inc_item000001-p2.mp4', 1000);
    store.addFile('inc_item000001', { trackId: 2 }, 'snapshot', picture, { sha256: 'c'.repeat(64), bytes: 100 }, NOW - 5 * DAY);
    store.addFile('inc_item000001', { part: 1 }, 'clip', part1, { sha256: 'd'.repeat(64), bytes: 1000 }, NOW - 5 * DAY);
    store.addFile('inc_item000001', { part: 2 }, 'clip', part2, { sha256: 'e'.repeat(64), bytes: 1000 }, NOW - 5 * DAY);
    store.markUploaded('inc_item000001', 'clip', NOW, { part: 1 });
    expect(offered()).toEqual(['inc_item000001/snapshot', 'inc_item000001/clip']); // the picture and part 2, by reference
    expect(store.pendingUploads(Number.MAX_SAFE_INTEGER, 100).map((u) => u.ref)).toEqual([{ trackId: 2 }, { part: 2 }]);

    // 3200 bytes against 2100: the uploaded part 1 goes (1000), then the item's own files the cloud holds (1100)
    const outcome = enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 2100 }, silentLogger(), NOW);
    expect(outcome).toEqual({ deleted: 2, dropped: 0, bytesKept: 1100 });
    expect([part1, item.clip, item.snapshot, part2, picture].map(existsSync)).toEqual([false, false, false, true, true]);
    // tighter: the part the cloud lacks is dropped before the picture, and not offered again
    expect(enforceIncidentRetention(store, { maxAgeMs: 30 * DAY, maxBytes: 500 }, silentLogger(), NOW)).toEqual({ deleted: 0, dropped: 1, bytesKept: 100 });
    expect([part2, picture].map(existsSync)).toEqual([false, true]);
    expect(store.pendingUploads(Number.MAX_SAFE_INTEGER, 100).map((u) => u.ref)).toEqual([{ trackId: 2 }]);
  });

  it('leaves an incident whose clip is still recording alone', () => {
    const snapshot = join(dir, 'rec.jpg');
    writeFileSync(snapshot, Buffer.alloc(5000, 1));
    store.insert(incidentEventSchema.parse({
      incidentId: 'inc_recording1', cameraId: 'cong', ruleId: 'dem', zoneId: null, label: 'person', score: 0.8, trackId: 1,
      startedAt: NOW, detectedAt: NOW, endedAt: null, box: { x: 0.1, y: 0.1, width: 0.1, height: 0.2 },
      snapshot: { sha256: 'a'.repeat(64), bytes: 5000 }, clip: null,
    }), snapshot, 'recording', NOW - 90 * DAY);
    expect(enforceIncidentRetention(store, { maxAgeMs: DAY, maxBytes: 10 }, silentLogger(), NOW)).toEqual({ deleted: 0, dropped: 0, bytesKept: 0 });
    expect(existsSync(snapshot)).toBe(true);
  });
});
