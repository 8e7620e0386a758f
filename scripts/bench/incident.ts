/**
 * Incident benchmark (see scripts/bench/incident). The camera plays a scene of its own: 10 s of an
 * empty (black) picture, then the real clip's 20 s of people, looped; each cycle is one review item
 * (closed 5 s after the last person, at most 30 s). The cloud is polled every 100 ms.
 *
 * Each item is timed from the FIRST FRAME IN WHICH ITS OBJECT IS VISIBLE in the stream, not from the
 * track's start: after the run, the item's first clip part (which begins the pre-capture before the
 * first object) is downloaded and every one of its frames is run through the same model at a low
 * score (0.25); the first frame with a person, at the part's wall-clock start plus its timestamp, is
 * when the person became visible. From there: the item in the police queue (metadata), with its
 * snapshot verified, and its first part verified. The full clip is timed from the item's close
 * (endedAt, the end of its post-capture) until the cloud shows it closed with every part verified.
 * Same host clock; percentiles nearest-rank over the items seen.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEdgeDaemon } from '../../edge/src/index.js';
import { decodeFrames, Detector, probeVideo } from '../../edge/src/vision/index.js';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startSimCamera } from '../../firmware-sim/src/cameras/index.js';
import { startTestCloud } from '../../test-support/cloud.js';
import { provisionTestEdge, TEST_BACKOFF } from '../../test-support/edge.js';
import { numberArg, quantile } from './lib/commune.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const wanted = numberArg('incidents', 'SC_BENCH_INCIDENTS', 6);
const timeoutMs = numberArg('timeout-s', 'SC_BENCH_TIMEOUT_S', 360) * 1000;
const modelDir = process.env.SC_MODEL_DIR ?? join(ROOT, '../shared/models');
const percentile = (values: number[], p: number) => (values.length ? quantile(values, p / 100) : NaN);
const VISIBLE_SCORE = 0.25;

/** 10 s of black at the clip's size and rate, then the clip: a person appears at a moment the frames show. */
function composeScene(dir: string): string {
  const clip = join(ROOT, '../shared/media/vtest-20s.mp4');
  const [width, height, rate] = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate', '-of', 'csv=p=0', clip], { encoding: 'utf8' }).trim().split(',');
  const [num, den] = rate!.split('/').map(Number);
  const fps = Math.round(num! / (den || 1)); // "10/1"
  const out = join(dir, 'scene.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `color=c=black:s=${width}x${height}:r=${fps}:d=10`, '-i', clip,
    '-filter_complex', '[0:v]format=yuv420p[a];[1:v]format=yuv420p,setsar=1[b];[a][b]concat=n=2:v=1:a=0', '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(fps * 2), '-pix_fmt', 'yuv420p', '-y', out]);
  return out;
}

/** Wall-clock ms of the first frame of the file in which the model finds a person at VISIBLE_SCORE, or null. */
async function firstVisible(detector: Detector, file: string, startMs: number): Promise<number | null> {
  const video = await probeVideo(file);
  for await (const frame of decodeFrames(file, { width: video.width, height: video.height, fps: video.fps, pixelFormat: 'bgr24' })) {
    const found = await detector.detect(frame);
    if (found.some((d) => d.label === 'person' && d.score >= VISIBLE_SCORE)) return startMs + Math.round((frame.index / video.fps) * 1000);
  }
  return null;
}

const work = mkdtempSync(join(tmpdir(), 'sc-bench-incident-'));
const scene = composeScene(work);
const test = await startTestCloud();
const edge = await provisionTestEdge(test, 'ap-1');
const camera = await startSimCamera({ name: 'bench', hamlet: 'ap-1', username: 'admin', password: 'admin', clip: scene, ports: { multicast: null } });
const daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, modelDir });
try {
  const added = await test.api('POST', `/api/v1/edges/${edge.edgeId}/cameras`, {
    id: 'bench',
    name: 'Bench',
    source: { kind: 'onvif', xaddr: camera.onvifUrl, username: 'admin', password: 'admin' },
    zones: [{ id: 'all', name: 'Toàn cảnh', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
    rules: [{ id: 'people', name: 'Người vào vùng', zone: 'all', classes: ['person'] }],
    review: { closeAfterSeconds: 5, maxSeconds: 30 },
  });
  if (added.status !== 201) throw new Error(`camera not added: ${JSON.stringify(added.body)}`);

  // absolute host times, turned into latencies once each item's first visible frame is known
  const seenAt = new Map<string, number>();
  const snapshotAt = new Map<string, number>();
  const partAt = new Map<string, number>();
  const full = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  type Listed = { id: string; startedAt: number; state: string; endedAt: number | null; snapshot: { verified: boolean } | null; clip: { verified: boolean } | null };
  while (full.size < wanted && Date.now() < deadline) {
    const page = await test.request('GET', `/api/v1/incidents?edge=${edge.edgeId}&severity=all&limit=200`);
    const now = Date.now();
    for (const item of page.body.items as Listed[]) {
      if (!seenAt.has(item.id)) seenAt.set(item.id, now);
      if (item.snapshot?.verified && !snapshotAt.has(item.id)) snapshotAt.set(item.id, now);
      if (item.clip?.verified && !partAt.has(item.id)) partAt.set(item.id, now);
      if (item.state === 'closed' && item.endedAt !== null && !full.has(item.id)) {
        const parts = (await test.request('GET', `/api/v1/incidents/${item.id}`)).body.parts as { verified: boolean }[];
        if (parts.length > 0 && parts.every((p) => p.verified)) full.set(item.id, Date.now() - item.endedAt);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  // the first frame with a person, per item, from its first part as the cloud holds it
  const visibleAt = new Map<string, number>();
  const detector = await Detector.load({ modelDir, input: '416x416', threads: 1, classThresholds: { person: VISIBLE_SCORE }, threshold: VISIBLE_SCORE });
  try {
    for (const id of full.keys()) {
      const detail = (await test.request('GET', `/api/v1/incidents/${id}`)).body as { parts: { index: number; startMs: number; url: string }[] };
      const first = detail.parts.find((p) => p.index === 0);
      if (!first) continue;
      const res = await fetch(`${test.cloud.httpUrl}${first.url}`, { headers: { authorization: `Bearer ${test.adminToken}` } });
      if (!res.ok) throw new Error(`part 0 of ${id}: HTTP ${res.status}`);
      const file = join(work, `${id}.mp4`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const at = await firstVisible(detector, file, first.startMs);
      if (at !== null) visibleAt.set(id, at);
    }
  } finally {
    await detector.close();
  }
  const since = (m: Map<string, number>) => [...visibleAt].filter(([id]) => m.has(id)).map(([id, at]) => m.get(id)! - at);
  const ms = (m: Map<string, number>) => [...m.values()];
  const [meta, snapshot, clip] = [since(seenAt), since(snapshotAt), since(partAt)];
  console.log(`items seen ${seenAt.size}, with snapshot ${snapshotAt.size}, first part ${partAt.size}, closed with every part ${full.size}, first visible frame found ${visibleAt.size}`);
  console.log(`in the queue:        p50 ${percentile(meta, 50)} ms, p99 ${percentile(meta, 99)} ms (from the first frame the person is visible)`);
  console.log(`with its snapshot:   p50 ${percentile(snapshot, 50)} ms, p99 ${percentile(snapshot, 99)} ms (target p99 ≤ 2000)`);
  console.log(`first part:          p50 ${percentile(clip, 50)} ms, p99 ${percentile(clip, 99)} ms`);
  console.log(`full clip:           p50 ${percentile(ms(full), 50)} ms, p99 ${percentile(ms(full), 99)} ms (from the item's close; target p99 ≤ 5000)`);
  const result = {
    incidents: visibleAt.size,
    meta_p50_ms: percentile(meta, 50),
    meta_p99_ms: percentile(meta, 99),
    snapshot_p50_ms: percentile(snapshot, 50),
    snapshot_p99_ms: percentile(snapshot, 99),
    clip_p50_ms: percentile(clip, 50),
    clip_p99_ms: percentile(clip, 99),
    full_clip_after_close_p50_ms: percentile(ms(full), 50),
    full_clip_after_close_p99_ms: percentile(ms(full), 99),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await daemon.stop();
  await camera.stop();
  await test.stop();
  rmSync(work, { recursive: true, force: true });
}
