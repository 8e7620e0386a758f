import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentEventSchema, type IncidentEvent, type MediaFile } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openEdgeDatabase, type Db } from '../db/database.js';
import type { Outbox } from '../outbox/outbox.js';
import { hashFile } from '../vision/recording/hash-file.js';
import { writeClip } from '../vision/recording/clip.js';
import { segmentName, type Segment } from '../vision/recording/segment-ring.js';
import { CLIP, FRAME_10S } from '../vision/testing/media.js';
import { IncidentStore } from './incident-store.js';
import { EdgeIncidents, type ClipPlan, type IncidentHit } from './incidents.js';
import type { MatchedObject } from './review-grouper.js';
import type { MediaUploader } from './uploader.js';

/** Wall-clock time the ring's first segment starts. */
const T0 = Date.UTC(2026, 11, 6, 15, 0, 0);
const at = (seconds: number) => T0 + seconds * 1000;
const work = mkdtempSync(join(tmpdir(), 'sc-items-'));
let segments: Segment[] = [];

/**
 * A camera's ring as the recorder leaves it: the shared 20 s clip as 2 s MPEG-TS segments named by the
 * wall-clock times they cover from T0.
 */
beforeAll(() => {
  const raw = join(work, 'raw');
  mkdirSync(raw);
  const list = join(raw, 'list.csv');
  // a keyframe every second, as cameras send (the shared file has one keyframe in 20 s); the box itself never re-encodes
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-i', CLIP, '-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0'],
    ...['-f', 'segment', '-segment_time', '2', '-segment_list', list, '-segment_list_type', 'csv', join(raw, 'seg-%03d.ts')],
  ]);
  const ring = join(work, 'ring');
  mkdirSync(ring);
  segments = readFileSync(list, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name, start, end] = line.split(',');
      const startMs = at(Number(start));
      const endMs = at(Number(end));
      const path = join(ring, segmentName(startMs, endMs));
      renameSync(join(raw, name!), path);
      return { path, startMs, endMs, bytes: 0 };
    });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const recorder = { cameraId: 'cong', segments: () => segments, waitUntilCovered: async () => undefined };
const clip: ClipPlan = {
  write: (fromMs, toMs, outPath) => writeClip(recorder, { fromMs, toMs, outPath, waitTimeoutMs: 0 }),
  preCaptureSeconds: 2,
  postCaptureSeconds: 2,
};
const review = { closeAfterSeconds: 5, maxSeconds: 300, floodPerHour: 60 };

/** A real JPEG as the object's best picture, hashed as the box hashes its files. */
const picture = async (outPath: string): Promise<MediaFile> => {
  execFileSync('cp', [FRAME_10S, outPath]);
  return { sha256: await hashFile(outPath), bytes: readFileSync(outPath).length };
};

const person = (trackId: number, seconds: number): MatchedObject => ({
  trackId,
  label: 'person',
  score: 0.8,
  ruleId: 'nguoi-dem',
  zoneId: 'san',
  severity: 'alert',
  startMs: at(seconds) - 400,
  timeMs: at(seconds),
  box: { x: 0.4, y: 0.3, width: 0.1, height: 0.3 },
});
const hit = (object: MatchedObject): IncidentHit => ({ object, review, picture, clip });

describe('the box reports review items: grouped objects, their pictures, the clip in parts', () => {
  let dir: string;
  let db: Db;
  let store: IncidentStore;
  let sent: IncidentEvent[];
  let now: number;
  const outbox = { add: (_kind: string, body: unknown) => void sent.push(incidentEventSchema.parse(body)) } as unknown as Outbox;
  const uploader = { wake: () => undefined } as unknown as MediaUploader;
  const make = () => new EdgeIncidents({ db, store, outbox, uploader, dir: join(dir, 'incidents'), logger: silentLogger(), timing: { firstPartMs: 6000, partEveryMs: 30_000, now: () => now } });

  beforeEach(() => {
    dir = mkdtempSync(join(work, 'box-'));
    db = openEdgeDatabase(dir);
    store = new IncidentStore(db);
    sent = [];
  });

  it('two people walking in together are one item; a part while it is open, the last after it closes; files queued for upload', async () => {
    const incidents = make();
    now = at(4);
    await incidents.hit('cong', hit(person(1, 4)));
    await incidents.hit('cong', hit(person(2, 4.5)));
    const id = sent[0]!.incidentId;
    expect(sent.every((e) => e.incidentId === id)).toBe(true);
    expect(sent[0]).toMatchObject({ state: 'open', severity: 'alert', trackId: 1, objects: [{ trackId: 1 }], clipParts: [] });
    expect(sent.at(-1)!.objects.map((o) => o.trackId)).toEqual([1, 2]);
    expect(sent.at(-1)!.objects.every((o) => o.snapshot !== null)).toBe(true);

    // 6 s after it opened, the first part: from the pre-capture before the first object until now
    now = at(10);
    incidents.tick();
    await incidents.settled();
    const open = sent.at(-1)!;
    expect(open.state).toBe('open');
    expect(open.clipParts).toHaveLength(1);
    const first = open.clipParts[0]!;
    expect(Math.abs(first.startMs - (at(4) - 400 - 2000))).toBeLessThan(150);
    expect(Math.abs(first.startMs + first.durationMs - at(10))).toBeLessThan(150);
    expect(open.clip).toEqual({ sha256: first.sha256, bytes: first.bytes, durationMs: first.durationMs });

    // both leave; the item closes 5 s after the last, its last part running to the post-capture
    await incidents.track('cong', 'end', 1, at(11));
    await incidents.track('cong', 'end', 2, at(12));
    now = at(16.9);
    incidents.tick();
    expect(sent.at(-1)!.state).toBe('open');
    now = at(17);
    incidents.tick();
    await incidents.settled();
    const closed = sent.at(-1)!;
    expect(closed.state).toBe('closed');
    expect(closed.timeline.map((l) => [l.trackId, l.kind])).toEqual([[1, 'entered'], [2, 'entered'], [1, 'left'], [2, 'left']]);
    expect(closed.clipParts.map((p) => p.index)).toEqual([0, 1]);
    const [p0, p1] = closed.clipParts as [typeof first, typeof first];
    expect(Math.abs(p1.startMs - (p0.startMs + p0.durationMs))).toBeLessThan(150); // one after the other, no gap, no overlap
    expect(Math.abs(p1.startMs + p1.durationMs - at(14))).toBeLessThan(150); // 2 s post-capture after the last activity
    expect(closed.endedAt).toBe(p1.startMs + p1.durationMs);

    // the uploads: the item's snapshot and first part on the old paths, the rest by reference
    const pending = store.pendingUploads(Date.now());
    expect(pending.map((u) => [u.kind, u.ref ?? null])).toEqual(
      expect.arrayContaining([['snapshot', null], ['clip', null], ['snapshot', { trackId: 2 }], ['clip', { part: 1 }]]),
    );
    for (const upload of pending) expect(await hashFile(upload.path)).toBe(upload.file.sha256);
    expect(store.get(id)).toMatchObject({ clipState: 'written' });
  });

  it('an item open when the box stopped is reported closed at the next start, with the parts it had', async () => {
    const before = make();
    now = at(4);
    await before.hit('cong', hit(person(1, 4)));
    now = at(10);
    before.tick();
    await before.settled();
    const id = sent[0]!.incidentId;
    await before.close(100);
    expect(store.get(id)?.clipState).toBe('recording');

    sent = [];
    const after = make();
    expect(after.recoverInterrupted()).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ incidentId: id, state: 'closed', clipParts: [{ index: 0 }] });
    expect(sent[0]!.endedAt).toBe(sent[0]!.clipParts[0]!.startMs + sent[0]!.clipParts[0]!.durationMs);
    expect(store.get(id)?.clipState).toBe('written');
    expect(after.recoverInterrupted()).toBe(0);
    expect(readdirSync(join(dir, 'incidents'), { recursive: true }).some((f) => String(f).endsWith('-p0.mp4') || String(f).endsWith('.mp4'))).toBe(true);
  });

  it('an item reaching its maximum length is continued by a new one linked back, the active person in it with a picture', async () => {
    const incidents = make();
    now = at(2);
    await incidents.hit('cong', { ...hit(person(1, 2)), review: { ...review, maxSeconds: 30 } });
    now = at(32);
    incidents.tick();
    await incidents.settled();
    const ids = [...new Set(sent.map((e) => e.incidentId))];
    expect(ids).toHaveLength(2);
    const first = sent.filter((e) => e.incidentId === ids[0]).at(-1)!;
    const next = sent.filter((e) => e.incidentId === ids[1]).at(-1)!;
    expect(first.state).toBe('closed');
    expect(next).toMatchObject({ state: 'open', continues: ids[0], trackId: 1, objects: [{ trackId: 1, snapshot: first.snapshot }] });
    expect(next.snapshot).toEqual(first.snapshot);
  });
});
