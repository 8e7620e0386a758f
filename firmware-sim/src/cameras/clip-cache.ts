import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * What a simulated camera streams, made once per clip and kept in a cache directory (never in the
 * repository): the clip as a camera would encode it, and one JPEG per second for snapshots.
 *
 * Streaming never re-encodes. A clip that already looks like a camera's stream (H.264, no B-frames,
 * a keyframe at least every 2 s) is only remuxed (`-c copy`, video only). Anything else (the shared
 * vtest clip has a single keyframe in 20 s and B-frames) is re-encoded once with libx264, main
 * profile, no B-frames and a 1 s GOP, so that a client joining the live stream starts within a
 * second and arrival-time timestamps are in display order.
 */
export interface PreparedClip {
  /** The source clip, as configured. */
  source: string;
  /** MP4 (H.264, video only) that the RTSP server loops. */
  stream: string;
  /** JPEGs of frames 0, step, 2·step, … (`step` = round(fps), so about one a second). */
  frames: string[];
  frameStep: number;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  durationSeconds: number;
  gopFrames: number;
  reencoded: boolean;
  /** Average bitrate of `stream`, kbit/s. */
  bitrateKbps: number;
}

/** Default cache: $SC_CAMERA_CACHE or <tmp>/smart-commune-camera-cache. */
export function defaultCacheDir(): string {
  return process.env.SC_CAMERA_CACHE ?? join(tmpdir(), 'smart-commune-camera-cache');
}

const FORMAT_VERSION = 1;
const pending = new Map<string, Promise<PreparedClip>>();

interface Probe {
  width: number;
  height: number;
  fps: number;
  codec: string;
  bFrames: number;
  durationSeconds: number;
  maxKeyframeGapSeconds: number;
}

function parseRate(rate: string | undefined): number {
  const [n, d] = (rate ?? '0/1').split('/').map(Number);
  return d ? n! / d : n!;
}

async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,has_b_frames:format=duration', '-of', 'json', file]);
  const info = JSON.parse(stdout) as { streams?: Record<string, unknown>[]; format?: { duration?: string } };
  const s = info.streams?.[0];
  if (!s) throw new Error(`${file} has no video stream`);
  const fps = parseRate(String(s.avg_frame_rate)) || parseRate(String(s.r_frame_rate));
  const packets = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file], { maxBuffer: 64 * 1024 * 1024 });
  const keyTimes = packets.stdout
    .split('\n')
    .map((l) => l.split(','))
    .filter((f) => f[1]?.startsWith('K'))
    .map((f) => Number(f[0]));
  const durationSeconds = Number(info.format?.duration ?? 0);
  let maxGap = 0;
  [...keyTimes, durationSeconds].reduce((prev, t) => ((maxGap = Math.max(maxGap, t - prev)), t));
  return {
    width: Number(s.width),
    height: Number(s.height),
    fps,
    codec: String(s.codec_name),
    bFrames: Number(s.has_b_frames ?? 0),
    durationSeconds,
    maxKeyframeGapSeconds: keyTimes.length ? maxGap : Infinity,
  };
}

async function build(source: string, dir: string): Promise<PreparedClip> {
  const src = await probe(source);
  if (!src.width || !src.height || !src.fps || !src.durationSeconds) throw new Error(`${source}: cannot read size, frame rate or duration`);
  const fps = Math.round(src.fps * 1000) / 1000;
  const gop = Math.max(1, Math.round(fps));
  const stream = join(dir, 'stream.mp4');
  const copy = src.codec === 'h264' && src.bFrames === 0 && src.maxKeyframeGapSeconds <= 2;
  const encode = copy
    ? ['-c:v', 'copy']
    : ['-c:v', 'libx264', '-preset', 'fast', '-crf', '23', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-bf', '0', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'];
  await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-i', source, '-map', '0:v:0', '-an', '-sn', '-dn', ...encode, '-movflags', '+faststart', stream]);
  const out = await probe(stream);
  const step = Math.max(1, Math.round(fps));
  await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-i', stream, '-vf', `select='not(mod(n\\,${step}))'`, '-fps_mode', 'passthrough', '-q:v', '3', join(dir, 'frame-%04d.jpg')]);
  const frames = (await readdir(dir)).filter((f) => /^frame-\d+\.jpg$/.test(f)).sort();
  if (!frames.length) throw new Error(`${source}: no snapshot frames extracted`);
  const size = (await stat(stream)).size;
  const meta = {
    source,
    stream: 'stream.mp4',
    frames,
    frameStep: step,
    width: out.width,
    height: out.height,
    fps,
    frameCount: Math.round(out.durationSeconds * fps),
    durationSeconds: out.durationSeconds,
    gopFrames: copy ? Math.round(src.maxKeyframeGapSeconds * fps) : gop,
    reencoded: !copy,
    bitrateKbps: Math.round((size * 8) / out.durationSeconds / 1000),
  };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  return meta as PreparedClip;
}

async function load(dir: string): Promise<PreparedClip> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as PreparedClip;
  return { ...meta, stream: join(dir, meta.stream), frames: meta.frames.map((f) => join(dir, f)) };
}

/**
 * Returns the prepared clip, making it on first use. Safe to call concurrently from several cameras
 * and processes: each builds in its own temporary directory and the first rename wins.
 */
export function prepareClip(clip: string, cacheDir = defaultCacheDir()): Promise<PreparedClip> {
  const work = (async () => {
    const real = await realpath(clip).catch(() => {
      throw new Error(`camera clip not found: ${clip}`);
    });
    const st = await stat(real);
    const key = createHash('sha256').update(`${FORMAT_VERSION}\0${real}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
    const dir = join(cacheDir, key);
    const existing = pending.get(dir);
    if (existing) return existing;
    const promise = (async () => {
      if (existsSync(join(dir, 'meta.json'))) return load(dir);
      await mkdir(cacheDir, { recursive: true });
      const tmp = await mkdtemp(join(cacheDir, `${key}.tmp-`));
      try {
        await build(clip, tmp);
        await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
          if (!existsSync(join(dir, 'meta.json'))) throw err; // someone else's rename won
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return load(dir);
    })();
    pending.set(dir, promise);
    promise.catch(() => pending.delete(dir));
    return promise;
  })();
  return work;
}
