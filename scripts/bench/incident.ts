/**
 * Incident benchmark (see scripts/bench/incident). The cloud is polled every 100 ms; an incident's
 * metadata time is when the list first shows it, its clip time when its clip first shows verified.
 * Both are measured from the incident's startedAt (the edge's track start, when the person appeared),
 * on the same host clock. Percentiles are nearest-rank over the incidents seen.
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
const wanted = numberArg('incidents', 'SC_BENCH_INCIDENTS', 12);
const timeoutMs = numberArg('timeout-s', 'SC_BENCH_TIMEOUT_S', 240) * 1000;
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
  });
  if (added.status !== 201) throw new Error(`camera not added: ${JSON.stringify(added.body)}`);

  const meta = new Map<string, number>();
  const clip = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (clip.size < wanted && Date.now() < deadline) {
    const page = await test.request('GET', `/api/v1/incidents?edge=${edge.edgeId}&limit=200`);
    const now = Date.now();
    for (const incident of page.body.items as { id: string; startedAt: number; clip: { verified: boolean } | null }[]) {
      if (!meta.has(incident.id)) meta.set(incident.id, now - incident.startedAt);
      if (incident.clip?.verified && !clip.has(incident.id)) clip.set(incident.id, now - incident.startedAt);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const metaMs = [...meta.values()];
  const clipMs = [...clip.values()];
  console.log(`incidents seen ${meta.size}, with clip ${clip.size}`);
  console.log(`metadata: p50 ${percentile(metaMs, 50)} ms, p99 ${percentile(metaMs, 99)} ms`);
  console.log(`clip:     p50 ${percentile(clipMs, 50)} ms, p99 ${percentile(clipMs, 99)} ms`);
  console.log(`RESULT ${JSON.stringify({ incidents: clip.size, meta_p50_ms: percentile(metaMs, 50), meta_p99_ms: percentile(metaMs, 99), clip_p50_ms: percentile(clipMs, 50), clip_p99_ms: percentile(clipMs, 99) })}`);
} finally {
  await daemon.stop();
  await camera.stop();
  await test.stop();
}
