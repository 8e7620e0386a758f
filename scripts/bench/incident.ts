/**
 * Incident benchmark (see scripts/bench/incident). The cloud is polled every 100 ms. Incidents are
 * review items: the camera gets short ones (closed 5 s after the last person, at most 30 s) so the
 * looping clip, where people pass all the time, yields one every 30 s or so. Per item: its metadata
 * time (the list first shows it), its snapshot time (first shown verified) and its first-part time
 * (the clip's first part verified), from its startedAt (the track's start, when the person appeared);
 * and its full-clip time: from its close (endedAt) until the cloud shows it closed with every part
 * verified. Same host clock; percentiles nearest-rank over the items seen.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEdgeDaemon } from '../../edge/src/index.js';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startSimCamera } from '../../firmware-sim/src/cameras/index.js';
import { startTestCloud } from '../../test-support/cloud.js';
import { provisionTestEdge, TEST_BACKOFF } from '../../test-support/edge.js';
import { numberArg, quantile } from './lib/commune.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const wanted = numberArg('incidents', 'SC_BENCH_INCIDENTS', 6);
const timeoutMs = numberArg('timeout-s', 'SC_BENCH_TIMEOUT_S', 300) * 1000;
const modelDir = process.env.SC_MODEL_DIR ?? join(ROOT, '../shared/models');
const percentile = (values: number[], p: number) => (values.length ? quantile(values, p / 100) : NaN);

const test = await startTestCloud();
const edge = await provisionTestEdge(test, 'ap-1');
const camera = await startSimCamera({ name: 'bench', hamlet: 'ap-1', username: 'admin', password: 'admin', clip: join(ROOT, '../shared/media/vtest-20s.mp4'), ports: { multicast: null } });
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

  const meta = new Map<string, number>();
  const snapshot = new Map<string, number>();
  const clip = new Map<string, number>();
  const full = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  type Listed = { id: string; startedAt: number; state: string; endedAt: number | null; snapshot: { verified: boolean } | null; clip: { verified: boolean } | null };
  while (full.size < wanted && Date.now() < deadline) {
    const page = await test.request('GET', `/api/v1/incidents?edge=${edge.edgeId}&severity=all&limit=200`);
    const now = Date.now();
    for (const item of page.body.items as Listed[]) {
      if (!meta.has(item.id)) meta.set(item.id, now - item.startedAt);
      if (item.snapshot?.verified && !snapshot.has(item.id)) snapshot.set(item.id, now - item.startedAt);
      if (item.clip?.verified && !clip.has(item.id)) clip.set(item.id, now - item.startedAt);
      if (item.state === 'closed' && item.endedAt !== null && !full.has(item.id)) {
        const parts = (await test.request('GET', `/api/v1/incidents/${item.id}`)).body.parts as { verified: boolean }[];
        if (parts.length > 0 && parts.every((p) => p.verified)) full.set(item.id, Date.now() - item.endedAt);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = (m: Map<string, number>) => [...m.values()];
  console.log(`items seen ${meta.size}, with snapshot ${snapshot.size}, first part ${clip.size}, closed with every part ${full.size}`);
  console.log(`metadata:            p50 ${percentile(ms(meta), 50)} ms, p99 ${percentile(ms(meta), 99)} ms (from the track's start)`);
  console.log(`snapshot:            p50 ${percentile(ms(snapshot), 50)} ms, p99 ${percentile(ms(snapshot), 99)} ms (from the track's start)`);
  console.log(`first part:          p50 ${percentile(ms(clip), 50)} ms, p99 ${percentile(ms(clip), 99)} ms (from the track's start)`);
  console.log(`full clip:           p50 ${percentile(ms(full), 50)} ms, p99 ${percentile(ms(full), 99)} ms (from the item's end)`);
  const result = {
    incidents: full.size,
    meta_p50_ms: percentile(ms(meta), 50),
    meta_p99_ms: percentile(ms(meta), 99),
    snapshot_p99_ms: percentile(ms(snapshot), 99),
    clip_p50_ms: percentile(ms(clip), 50),
    clip_p99_ms: percentile(ms(clip), 99),
    full_clip_after_close_p50_ms: percentile(ms(full), 50),
    full_clip_after_close_p99_ms: percentile(ms(full), 99),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await daemon.stop();
  await camera.stop();
  await test.stop();
}
