import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hashFile } from './hash-file.js';
import type { SegmentRecorder } from './segment-recorder.js';
import type { Segment } from './segment-ring.js';

export interface ClipRequest {
  /** Wall-clock window, ms since the epoch: typically the event's start − pre-capture to its end + post-capture. */
  fromMs: number;
  toMs: number;
  outPath: string;
  /** How long to wait for the ring to reach `toMs`; default until `toMs` plus 30 s. Then what exists is written. */
  waitTimeoutMs?: number;
}

export interface WrittenClip {
  path: string;
  sha256: string;
  bytes: number;
  /** Presented duration (ffprobe's), ms. Shorter than asked when the ring does not cover the whole window. */
  durationMs: number;
  /** Wall-clock time of the first presented frame, ms since the epoch. */
  startMs: number;
}

/** The ring holds nothing of the asked window, or ffmpeg could not assemble it. */
export class ClipError extends Error {
  override name = 'ClipError';
}

const COVER_GRACE_MS = 30_000;

/**
 * Writes the recording of [fromMs, toMs] as an MP4 (faststart), copying the video without re-encoding:
 * the covering segments are concatenated (ffmpeg's concat demuxer), starting on the last keyframe at
 * or before `fromMs`; the frames between that keyframe and `fromMs` are kept for decoding and hidden
 * by an MP4 edit list, so the clip is presented from `fromMs` to `toMs`. The file appears at `outPath`
 * only when complete (atomic rename), with its sha256 computed from the bytes on disk.
 */
export async function writeClip(recorder: Pick<SegmentRecorder, 'cameraId' | 'segments' | 'waitUntilCovered'>, request: ClipRequest): Promise<WrittenClip> {
  const { fromMs, toMs, outPath } = request;
  if (!(toMs > fromMs)) throw new ClipError(`clip window is empty: ${fromMs}..${toMs}`);
  await recorder.waitUntilCovered(toMs, request.waitTimeoutMs ?? Math.max(0, toMs - Date.now()) + COVER_GRACE_MS).catch(() => undefined);
  const covering = recorder.segments().filter((s) => s.endMs > fromMs && s.startMs < toMs);
  if (covering.length === 0) throw new ClipError(`camera ${recorder.cameraId}: no recording between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`);

  // hard links keep the segments readable even if the ring deletes them meanwhile
  const workspace = join(dirname(covering[0]!.path), `.clip-${randomUUID()}`);
  const temp = join(dirname(outPath), `.${basename(outPath)}.${randomUUID()}.part`);
  mkdirSync(workspace);
  try {
    const linked = linkSegments(covering, workspace);
    if (linked.length === 0) throw new ClipError(`camera ${recorder.cameraId}: the segments of the window were deleted before they could be read`);
    const plan = await planCut(linked, fromMs, toMs);
    const list = join(workspace, 'list.ffconcat');
    writeFileSync(list, concatList(linked, plan));
    mkdirSync(dirname(outPath), { recursive: true });
    await run('ffmpeg', [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', list],
      ...['-map', '0:v', '-c', 'copy', '-output_ts_offset', (-plan.prerollS).toFixed(6), '-movflags', '+faststart', '-f', 'mp4', temp],
    ]);
    const durationMs = Math.round((await probe(temp)).duration * 1000);
    const sha256 = await hashFile(temp);
    const { size } = await stat(temp);
    await rename(temp, outPath);
    return { path: outPath, sha256, bytes: size, durationMs, startMs: plan.startMs };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    await rm(temp, { force: true });
  }
}

interface LinkedSegment extends Segment {
  link: string;
}

function linkSegments(segments: readonly Segment[], workspace: string): LinkedSegment[] {
  const linked: LinkedSegment[] = [];
  for (const segment of segments) {
    const link = join(workspace, basename(segment.path));
    try {
      linkSync(segment.path, link);
      linked.push({ ...segment, link });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return linked;
}

interface CutPlan {
  /** Keyframe where the first segment is entered, in its own timestamps (seconds). */
  inpointS: number;
  /** Where the last segment is left, in its own timestamps; undefined to take it whole. */
  outpointS: number | undefined;
  /** Decoded but not presented: from the keyframe to the asked start. */
  prerollS: number;
  startMs: number;
}

/** Turns wall-clock times into positions inside the first and last segments (their timestamps are the stream's). */
async function planCut(segments: readonly LinkedSegment[], fromMs: number, toMs: number): Promise<CutPlan> {
  const first = segments[0]!;
  const last = segments.at(-1)!;
  const head = await probe(first.link, true);
  const fromS = head.start + clamp((fromMs - first.startMs) / 1000, 0, head.duration);
  const keyframes = head.keyframes.filter((t) => t <= fromS + 1e-6);
  const inpointS = keyframes.length ? Math.max(...keyframes) : Math.min(...head.keyframes, head.start);
  const startS = Math.max(fromS, inpointS);
  let outpointS: number | undefined;
  if (toMs < last.endMs) {
    const tail = last === first ? head : await probe(last.link);
    outpointS = tail.start + clamp((toMs - last.startMs) / 1000, 0, tail.duration);
  }
  return { inpointS, outpointS, prerollS: startS - inpointS, startMs: Math.round(first.startMs + (startS - head.start) * 1000) };
}

function concatList(segments: readonly LinkedSegment[], plan: CutPlan): string {
  const lines = ['ffconcat version 1.0'];
  segments.forEach((segment, i) => {
    lines.push(`file '${basename(segment.link)}'`);
    if (i === 0) lines.push(`inpoint ${plan.inpointS.toFixed(6)}`);
    if (i === segments.length - 1 && plan.outpointS !== undefined) lines.push(`outpoint ${plan.outpointS.toFixed(6)}`);
  });
  return `${lines.join('\n')}\n`;
}

interface Probed {
  start: number;
  duration: number;
  keyframes: number[];
}

async function probe(path: string, withKeyframes = false): Promise<Probed> {
  const entries = withKeyframes ? 'format=start_time,duration:packet=pts_time,flags' : 'format=start_time,duration';
  const out = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', entries, '-of', 'json', path]);
  const parsed = JSON.parse(out) as { format?: { start_time?: string; duration?: string }; packets?: Array<{ pts_time?: string; flags?: string }> };
  const keyframes = (parsed.packets ?? []).filter((p) => p.flags?.startsWith('K') && p.pts_time !== undefined).map((p) => Number(p.pts_time));
  return { start: Number(parsed.format?.start_time ?? 0), duration: Number(parsed.format?.duration ?? 0), keyframes };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new ClipError(`${cmd} failed: ${(stderr.trim() || err.message).split('\n').slice(-3).join(' | ')}`));
      else resolve(stdout);
    });
  });
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
