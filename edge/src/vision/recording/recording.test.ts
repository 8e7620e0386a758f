import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { startSimCamera, type SimCamera } from '../../../../firmware-sim/src/cameras/sim-camera.js';
import { frameHashesOfFile, run } from '../../../../firmware-sim/src/cameras/testing/camera-test-kit.js';
import { childProcessCounts } from '../../child-processes.js';
import { CLIP } from '../testing/media.js';
import { writeClip } from './clip.js';
import { startSegmentRecorder, type RecorderError, type SegmentRecorder } from './segment-recorder.js';
import { SegmentRing } from './segment-ring.js';

const work = mkdtempSync(join(tmpdir(), 'sc-recording-test-'));
const logger = silentLogger();
const recorders: SegmentRecorder[] = [];
let cam: SimCamera;

function record(
  name: string,
  limits: { maxMinutes?: number; maxBytes?: number } = {},
  extra: { url?: string; onError?: (e: RecorderError) => void; stallTimeoutMs?: number } = {},
): SegmentRecorder {
  const recorder = startSegmentRecorder({
    cameraId: name,
    url: extra.url ?? cam.rtspUrl,
    dir: join(work, name),
    maxMinutes: limits.maxMinutes ?? 10,
    maxBytes: limits.maxBytes ?? 1e9,
    logger,
    onError: extra.onError,
    stallTimeoutMs: extra.stallTimeoutMs,
  });
  recorders.push(recorder);
  return recorder;
}

/** Top-level MP4 boxes in file order. */
function topLevelBoxes(file: Buffer): string[] {
  const boxes: string[] = [];
  for (let offset = 0; offset + 8 <= file.length; ) {
    let size = file.readUInt32BE(offset);
    boxes.push(file.toString('latin1', offset + 4, offset + 8));
    if (size === 1) size = Number(file.readBigUInt64BE(offset + 8));
    if (size < 8) break;
    offset += size;
  }
  return boxes;
}

function ffprobeJson(file: string, entries: string): { format: Record<string, string>; streams: Array<Record<string, string | number>> } {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'json', file], { encoding: 'utf8' }));
}

/**
 * When the camera's stream is at which frame of its clip: its snapshot changes each whole second of the
 * clip, so polling it until it changes pins "clip second S began at wall time W" (to the polling step).
 */
async function clipClock(): Promise<{ second: number; atMs: number }> {
  const jpegs = cam.clip.frames.map((f) => readFileSync(f));
  const snapshot = join(work, 'clock.jpg');
  const which = () => jpegs.findIndex((j) => j.equals(readFileSync(snapshot)));
  let previous = -1;
  let before = Date.now();
  for (;;) {
    await run('curl', ['-sS', '--digest', '-u', 'admin:admin', '-o', snapshot, cam.snapshotUrl]);
    const after = Date.now();
    const second = which();
    if (previous >= 0 && second !== previous) return { second, atMs: Math.round((before + after) / 2) };
    previous = second;
    before = after;
  }
}

beforeAll(async () => {
  cam = await startSimCamera({ name: 'Cổng ấp 3', username: 'admin', password: 'admin', clip: CLIP, ports: { multicast: null } });
}, 60_000);

afterAll(async () => {
  await Promise.all(recorders.map((r) => r.stop()));
  await cam?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('evidence recording from a live camera', () => {
  it('records segments with wall-clock times and writes a 10 s faststart MP4 of [now − 5 s, now + 5 s] showing the right moment', async () => {
    const recorder = record('cam-main');
    const small = record('cam-small', { maxBytes: 600_000 });
    const clock = await clipClock();
    await recorder.waitUntilCovered(Date.now() + 10_000, 30_000);

    const segments = [...recorder.segments()];
    expect(segments.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < segments.length; i++) {
      expect(Math.abs(segments[i]!.startMs - segments[i - 1]!.endMs)).toBeLessThan(50); // back to back
      expect(segments[i]!.endMs - segments[i]!.startMs).toBeGreaterThanOrEqual(1900);
      expect(segments[i]!.endMs - segments[i]!.startMs).toBeLessThan(3100);
    }
    expect(segments.at(-1)!.endMs).toBeLessThanOrEqual(Date.now());
    expect(recorder.bytes()).toBe(segments.reduce((sum, s) => sum + s.bytes, 0));
    expect(recorder.status()).toMatchObject({ state: 'recording', restarts: 0, lastError: null, segments: segments.length });

    const now = Date.now();
    const out = join(work, 'clips', 'incident.mp4');
    const before = childProcessCounts();
    const clip = await writeClip(recorder, { fromMs: now - 5000, toMs: now + 5000, outPath: out });
    expect(Date.now()).toBeGreaterThanOrEqual(now + 5000); // it waited for the post-capture
    // planned from the segments' kept facts: one ffmpeg, no ffprobe of any segment or of the result
    const after = childProcessCounts();
    expect((after.ffmpeg ?? 0) - (before.ffmpeg ?? 0)).toBe(1);
    expect((after.ffprobe ?? 0) - (before.ffprobe ?? 0)).toBe(0);
    expect(clip.missing).toEqual([]);

    const file = readFileSync(out);
    expect(clip).toMatchObject({ path: out, bytes: file.length });
    expect(clip.sha256).toBe((await import('node:crypto')).createHash('sha256').update(file).digest('hex'));
    expect(readdirSync(join(work, 'clips'))).toEqual(['incident.mp4']);
    const boxes = topLevelBoxes(file);
    expect(boxes[0]).toBe('ftyp');
    expect(boxes.indexOf('moov')).toBeGreaterThan(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat')); // faststart
    const probed = ffprobeJson(out, 'format=format_name,duration:stream=codec_name,codec_type');
    expect(probed.format.format_name).toContain('mp4');
    expect(probed.streams).toEqual([{ codec_name: 'h264', codec_type: 'video' }]);
    expect(Math.abs(Number(probed.format.duration) - 10)).toBeLessThan(1);
    expect(Math.abs(clip.durationMs - 10_000)).toBeLessThan(1000);
    expect(Math.abs(clip.startMs - (now - 5000))).toBeLessThan(1000);
    // stream copy: every frame the clip shows decodes to the camera's own picture, in order (a re-encode would not)
    const cameraFrames = (await frameHashesOfFile(cam.clip.stream)).join(',');
    const shownFrames = (await frameHashesOfFile(out)).join(',');
    expect(shownFrames.split(',').length).toBeGreaterThan(90);
    expect(`${cameraFrames},${cameraFrames}`).toContain(shownFrames);

    // the first frame shown is the one the camera sent at now − 5 s (the clip loops every 20 s)
    const clipFrames = await frameHashesOfFile(cam.clip.stream);
    const shown = clipFrames.indexOf((await frameHashesOfFile(out))[0]!);
    expect(shown).toBeGreaterThanOrEqual(0);
    const periodMs = cam.clip.frameCount * (1000 / cam.clip.fps);
    const expectedMs = (((clock.second * 1000 + (now - 5000 - clock.atMs)) % periodMs) + periodMs) % periodMs;
    const shownMs = (shown * 1000) / cam.clip.fps;
    const errorMs = ((shownMs - expectedMs + periodMs * 1.5) % periodMs) - periodMs / 2;
    console.log(`clip start error: ${Math.round(errorMs)} ms (frame ${shown}, expected at ${Math.round(expectedMs)} ms of the clip)`);
    expect(Math.abs(errorMs)).toBeLessThan(1000);

    // the ring bounded by bytes kept only its newest segments, on disk as in memory
    const kept = small.segments();
    expect(small.bytes()).toBeLessThanOrEqual(600_000);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept[0]!.startMs).toBeGreaterThan(segments[1]!.startMs);
    expect(readdirSync(join(work, 'cam-small')).filter((n) => !n.startsWith('part-')).sort()).toEqual(kept.map((s) => s.path.split('/').pop()).sort());
  }, 90_000);

  it('survives the camera going away, reports it with the password masked, and records again when it is back', async () => {
    const errors: RecorderError[] = [];
    const url = cam.rtspUrl.replace('rtsp://', 'rtsp://admin:s3cret@');
    const recorder = record('cam-fault', {}, { url, onError: (e) => errors.push(e) });
    await recorder.waitUntilCovered(Date.now() + 2000, 30_000);
    const before = recorder.segments().length;

    await cam.fault('stream-stopped');
    await waitFor(() => errors.length > 0 && recorder.status().state === 'retrying', 'the recorder to notice the camera is gone', 30_000);
    expect(errors[0]!.message).toContain('rtsp://admin:***@127.0.0.1');
    expect(JSON.stringify([errors, recorder.status()])).not.toContain('s3cret');
    const gapFrom = Date.now();

    await cam.restore();
    await recorder.waitUntilCovered(Date.now() + 2000, 60_000);
    const status = recorder.status();
    expect(status).toMatchObject({ state: 'recording', lastError: null });
    expect(status.restarts).toBeGreaterThanOrEqual(1);
    const after = recorder.segments().filter((s) => s.startMs > gapFrom);
    expect(after.length).toBeGreaterThan(0);
    expect(recorder.segments().length).toBeGreaterThan(before);

    // stop() ends ffmpeg cleanly: its last segment is listed, nothing half-written is left, and a new
    // recorder on the same directory finds the ring again
    const listed = recorder.segments().length;
    await recorder.stop();
    expect(recorder.status().state).toBe('stopped');
    expect(recorder.segments().length).toBe(listed + 1);
    const names = readdirSync(join(work, 'cam-fault'));
    expect(names.filter((n) => n.startsWith('part-'))).toEqual([]);
    const reopened = new SegmentRing(join(work, 'cam-fault'), { maxMinutes: 10, maxBytes: 1e9 }, logger);
    expect(reopened.segments()).toEqual(recorder.segments());
    await expect(recorder.waitUntilCovered(Date.now() + 60_000, 1000)).rejects.toThrow(/stopped/);
  }, 150_000);

  it('restarts ffmpeg when the stream stalls (connected, no frames) and records again once it flows', async () => {
    const errors: RecorderError[] = [];
    const recorder = record('cam-stall', {}, { stallTimeoutMs: 5000, onError: (e) => errors.push(e) });
    await recorder.waitUntilCovered(Date.now() + 1000, 30_000);
    await cam.fault('stream-stalled');
    await waitFor(() => errors.length > 0, 'the stall to be noticed', 20_000);
    expect(recorder.status().state).not.toBe('recording');
    await cam.restore();
    await recorder.waitUntilCovered(Date.now() + 2000, 60_000);
    expect(recorder.status()).toMatchObject({ state: 'recording', lastError: null });
    await recorder.stop();
  }, 120_000);
});
