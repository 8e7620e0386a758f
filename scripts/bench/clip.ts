/**
 * What one incident clip costs the box: cuts N clips of 10 s from a recording of 2 s MPEG-TS segments
 * (the shared clip re-encoded with a 1 s GOP, as the simulated cameras send it) with writeClip, and
 * counts the child processes each cut starts (ffmpeg and ffprobe are wrapped on PATH, so every run
 * is seen, whoever starts it) and how long it takes. `--clip-module PATH` measures another writeClip
 * (an older clip.ts, for before/after figures). Ends with one line `RESULT {json}`.
 *   scripts/bench/clip [--clips N] [--clip-module PATH]
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CLIP } from '../../edge/src/vision/testing/media.js';
import type { Segment } from '../../edge/src/vision/recording/segment-ring.js';

const { values } = parseArgs({ options: { clips: { type: 'string', default: '20' }, 'clip-module': { type: 'string' } } });
const clips = Math.max(1, Number(values.clips));
const modulePath = values['clip-module'] ? resolve(values['clip-module']) : new URL('../../edge/src/vision/recording/clip.ts', import.meta.url).pathname;
const { writeClip } = (await import(modulePath)) as typeof import('../../edge/src/vision/recording/clip.js');

const work = mkdtempSync(join(tmpdir(), 'sc-bench-clip-'));
try {
  // 60 s of the shared clip with a 1 s GOP, cut into 2 s segments named by wall-clock time
  const source = join(work, 'source.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-stream_loop', '2', '-i', CLIP, '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', source]);
  const dir = join(work, 'recording');
  mkdirSync(dir);
  const list = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', source, '-map', '0:v:0', '-c', 'copy', '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', '-segment_list', 'pipe:1', '-segment_list_type', 'csv', join(dir, 'part-%06d.ts')], { encoding: 'utf8' });
  const baseMs = Date.now() - 120_000;
  const segments: Segment[] = list
    .trim()
    .split('\n')
    .map((line) => {
      const [name, start, end] = line.split(',');
      const startMs = baseMs + Math.round(Number(start) * 1000);
      const endMs = baseMs + Math.round(Number(end) * 1000);
      const path = join(dir, `${startMs}-${endMs}.ts`);
      renameSync(join(dir, name!), path);
      return { path, startMs, endMs, bytes: readFileSync(path).length };
    });
  const spanMs = segments.at(-1)!.endMs - segments[0]!.startMs;

  // every ffmpeg and ffprobe started from here on is logged by its wrapper
  const bin = join(work, 'bin');
  const log = join(work, 'spawned.log');
  mkdirSync(bin);
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, tool), `#!/bin/sh\necho ${tool} >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  writeFileSync(log, '');
  process.env.PATH = `${bin}:${process.env.PATH}`;

  const recorder = { cameraId: 'bench', segments: () => segments, waitUntilCovered: () => Promise.resolve() };
  const times: number[] = [];
  for (let i = 0; i < clips; i++) {
    const fromMs = segments[0]!.startMs + 1000 + Math.round(((i * 7919) % 1000) / 1000 * (spanMs - 13_000));
    const started = performance.now();
    await writeClip(recorder, { fromMs, toMs: fromMs + 10_000, outPath: join(work, 'clips', `clip-${i}.mp4`), waitTimeoutMs: 0 });
    times.push(performance.now() - started);
  }
  const spawned = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  const count = (tool: string) => spawned.filter((t) => t === tool).length;
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!);
  const result = {
    clips,
    module: values['clip-module'] ? 'given' : 'current',
    child_processes_per_clip: spawned.length / clips,
    ffmpeg_per_clip: count('ffmpeg') / clips,
    ffprobe_per_clip: count('ffprobe') / clips,
    ms_per_clip_p50: pct(50),
    ms_per_clip_p99: pct(99),
  };
  console.log(`${clips} clips of 10 s from ${segments.length} segments: ${result.child_processes_per_clip} child processes per clip (${result.ffmpeg_per_clip} ffmpeg, ${result.ffprobe_per_clip} ffprobe), p50 ${result.ms_per_clip_p50} ms, p99 ${result.ms_per_clip_p99} ms`);
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
