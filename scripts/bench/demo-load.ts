/**
 * Demo-load benchmark (see scripts/bench/demo-load). Starts the demo as `scripts/demo` does (the cloud
 * and one edge daemon per hamlet as processes, simulated cameras looping the shared clip, the demo's
 * rules), lets it warm up, then watches it for `--minutes`:
 * - items: every incident item the police API lists that opened during the window; the time its
 *   snapshot first shows verified in the API is measured from the item's opening (detectedAt, the
 *   box's clock, the same host) with 250 ms polls;
 * - bytes: growth of the cloud's incident store and of the boxes' incident media (the boxes' rings
 *   are reported apart: they fill to their set minutes and stay there);
 * - CPU: the cloud's and the boxes' processes with all their children (ffmpeg, ffprobe), from
 *   /proc: a root's cutime/cstime hold its waited-for children, live children are added;
 * - child processes a minute: the boxes' own counts (sc_edge_child_processes_total in the cloud's
 *   metrics, from telemetry) over the window, and the load average.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VI_TAN } from '@smart-commune/shared';
import { CloudClient } from '../../firmware-sim/src/cloud-client.js';
import { startDemo } from '../../firmware-sim/src/demo.js';
import { freePort } from '../../test-support/ports.js';
import { numberArg, quantile } from './lib/commune.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const minutes = numberArg('minutes', 'SC_BENCH_MINUTES', 10);
const cameraCount = Math.min(VI_TAN.hamlets.length, numberArg('cameras', 'SC_BENCH_CAMERAS', VI_TAN.hamlets.length));
const warmupS = numberArg('warmup-s', 'SC_BENCH_WARMUP_S', 45);
const CLOCK_TICKS = 100; // USER_HZ on Linux
const SNAPSHOT_WITHIN_MS = 2000;

interface ListedItem {
  id: string;
  edgeId: string;
  cameraId: string;
  detectedAt: number;
  severity?: 'alert' | 'detection';
  snapshot: { verified: boolean } | null;
}

/** Bytes of regular files under a directory (0 when it does not exist). */
function bytesUnder(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(path);
    else if (entry.isFile()) {
      try {
        total += statSync(path).size;
      } catch {
        // deleted while we looked
      }
    }
  }
  return total;
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    const n = (i: number) => Number(fields[i - 3]);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return null;
  }
}

/** CPU seconds the roots and every live descendant have used so far (exited ones are in their parents' cutime). */
function treeCpuSeconds(roots: number[]): number {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(Number(name), stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  let ticks = 0;
  const visit = (pid: number) => {
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const child of children.get(pid) ?? []) visit(child);
  };
  roots.forEach(visit);
  return ticks / CLOCK_TICKS;
}

/** Sum of sc_edge_child_processes_total over boxes and tools, or null when the cloud does not expose it. */
async function childProcessCount(cloud: CloudClient): Promise<number | null> {
  const res = await fetch(new URL('/metrics', cloud.baseUrl)).catch(() => null);
  if (!res?.ok) return null;
  const lines = (await res.text()).split('\n').filter((l) => l.startsWith('sc_edge_child_processes_total'));
  if (lines.length === 0) return null;
  return lines.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function listItemsSince(cloud: CloudClient, sinceMs: number): Promise<ListedItem[]> {
  const items: ListedItem[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await cloud.request<{ items: ListedItem[]; total: number }>('GET', `/api/v1/incidents?severity=all&limit=200&offset=${offset}&from=${new Date(sinceMs).toISOString()}`);
    items.push(...page.items);
    if (page.items.length < 200 || offset + 200 >= page.total) return items;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'sc-demo-load-'));
const hamlets = VI_TAN.hamlets.slice(0, cameraCount).map((h) => h.code);
const demo = await startDemo({
  dataDir,
  httpPort: await freePort(),
  mqttPort: await freePort(),
  adminPassword: `bench-${Math.random().toString(36).slice(2)}-Vi-Tan-2026`,
  cameraHamlets: hamlets,
  modelDir: process.env.SC_MODEL_DIR ?? join(ROOT, '../shared/models'),
  print: (line) => console.log(line),
});
try {
  const cloud = new CloudClient(demo.cloudUrl);
  await cloud.login(demo.admin.username, demo.admin.password);
  console.log(`warming up ${warmupS} s (cameras connect, models load)…`);
  await new Promise((r) => setTimeout(r, warmupS * 1000));

  const roots = demo.processes.map((p) => p.child.pid!).filter(Boolean);
  const cloudMedia = join(dataDir, 'cloud', 'incidents');
  const boxMedia = () => hamlets.reduce((sum, code) => sum + bytesUnder(join(dataDir, 'edges', code, 'incidents')), 0);
  const boxRings = () => hamlets.reduce((sum, code) => sum + bytesUnder(join(dataDir, 'edges', code, 'recordings')), 0);
  const start = { at: Date.now(), cpu: treeCpuSeconds(roots), cloudBytes: bytesUnder(cloudMedia), boxBytes: boxMedia(), children: await childProcessCount(cloud) };
  const windowEnd = start.at + minutes * 60_000;
  const openedAt = new Map<string, ListedItem>();
  const snapshotAfter = new Map<string, number>();
  const loads: number[] = [];
  let nextLoad = 0;
  console.log(`watching ${cameraCount} cameras for ${minutes} min…`);
  // after the window, items opened in it still get 30 s to show their snapshot
  while (Date.now() < windowEnd + 30_000) {
    const now = Date.now();
    for (const item of await listItemsSince(cloud, start.at)) {
      if (item.detectedAt < start.at || item.detectedAt > windowEnd) continue;
      if (!openedAt.has(item.id)) openedAt.set(item.id, item);
      if (item.snapshot?.verified && !snapshotAfter.has(item.id)) snapshotAfter.set(item.id, now - item.detectedAt);
    }
    if (now >= nextLoad && now < windowEnd) {
      loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      nextLoad = now + 10_000;
    }
    if (now >= windowEnd && snapshotAfter.size === openedAt.size) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const end = { cpu: treeCpuSeconds(roots), cloudBytes: bytesUnder(cloudMedia), boxBytes: boxMedia(), children: await childProcessCount(cloud) };
  const wallS = (Math.min(Date.now(), windowEnd + 30_000) - start.at) / 1000;
  const cameraHours = (cameraCount * minutes) / 60;
  const items = [...openedAt.values()];
  const alerts = items.filter((i) => (i.severity ?? 'alert') === 'alert').length;
  const within = items.filter((i) => (snapshotAfter.get(i.id) ?? Infinity) <= SNAPSHOT_WITHIN_MS).length;
  const snapshotMs = [...snapshotAfter.values()];
  const mb = (bytes: number) => bytes / 1e6;
  const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
  const figures = {
    cameras: cameraCount,
    items_per_camera_hour: round(items.length / cameraHours),
    alerts_per_camera_hour: round(alerts / cameraHours),
    snapshot_within_2s_pct: items.length ? round((100 * within) / items.length) : 100,
    snapshot_p50_ms: round(quantile(snapshotMs, 0.5), 0),
    snapshot_p99_ms: round(quantile(snapshotMs, 0.99), 0),
    cloud_mb_per_camera_hour: round(mb(end.cloudBytes - start.cloudBytes) / cameraHours),
    box_mb_per_camera_hour: round(mb(end.boxBytes - start.boxBytes) / cameraHours),
    box_ring_mb_per_camera: round(mb(boxRings()) / cameraCount),
    cpu_pct: round((100 * (end.cpu - start.cpu)) / wallS),
    child_processes_per_min: start.children !== null && end.children !== null ? round((end.children - start.children) / minutes) : null,
    load_avg_median: round(quantile(loads, 0.5), 2),
  };
  console.log(`items ${items.length} (${alerts} alerts) over ${round(cameraHours, 2)} camera-hours; snapshot within 2 s: ${within}/${items.length}`);
  console.log(`snapshot after opening: p50 ${figures.snapshot_p50_ms} ms, p99 ${figures.snapshot_p99_ms} ms`);
  console.log(`cloud media +${round(mb(end.cloudBytes - start.cloudBytes))} MB, box media +${round(mb(end.boxBytes - start.boxBytes))} MB, box rings ${round(mb(boxRings()))} MB`);
  console.log(`cloud and boxes CPU ${figures.cpu_pct} % of one core (with their children); load average median ${figures.load_avg_median}`);
  console.log(`child processes a minute (all boxes): ${figures.child_processes_per_min ?? 'not reported'}`);
  console.log(`RESULT ${JSON.stringify(figures)}`);
} finally {
  await demo.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
