import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { startMosquitto, type TestMosquitto } from '../../../../cloud/src/broker/testing/mosquitto.js';
import { fmt, INTERVAL_S, percentile, round, sleep, type Cred } from './common.js';
import { cpuReport } from './cpu-report.js';
import { LatencySubscriber } from './latency-subscriber.js';
import type { Options } from './options.js';
import { Sampler } from './proc-sampler.js';
import { expect, expectOrNull, startWorker, stopWorker, type WorkerHandle } from './worker-handle.js';
import type { ToWorker } from './worker-protocol.js';

/**
 * The reference side of `scripts/bench/fleet --broker mosquitto`: Debian's Mosquitto alone (no cloud
 * behind it), each simulated box with its own username and password in Mosquitto's password file
 * (hashed by mosquitto_passwd), the same simulator processes as the cloud's side. Measures what the
 * issue compares the cloud on Mosquitto with: connect time of all N, telemetry p99 (publish → a
 * subscriber), the reconnect storm, Mosquitto's RSS and CPU.
 */

export interface BareFigures {
  connect_s: number | null;
  p99_ms: number | null;
  p50_ms: number | null;
  reconnect_s: number | null;
  rss_mb: number | null;
  cpu_pct: number | null;
  connected: number;
}

const OBSERVER = 'bench-observer';

/** N box credentials shaped as the cloud's (edge id = username = client id, a 32-byte secret). */
export function generatedCreds(n: number): Cred[] {
  return Array.from({ length: n }, (_, i) => {
    const edgeId = `edg_bench${String(i).padStart(9, '0')}`;
    return { edgeId, username: edgeId, password: randomBytes(32).toString('base64url') };
  });
}

/** A password file for the boxes and the observer, hashed in place by mosquitto_passwd -U. */
function passwordFile(dir: string, creds: readonly Cred[], observerPassword: string): string {
  const path = join(dir, 'passwords');
  writeFileSync(path, [...creds.map((c) => `${c.username}:${c.password}`), `${OBSERVER}:${observerPassword}`].join('\n') + '\n', { mode: 0o600 });
  const res = spawnSync('mosquitto_passwd', ['-U', path], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mosquitto_passwd -U failed: ${res.stderr || res.error?.message}`);
  return path;
}

export async function runBareMosquitto(opts: Options, creds: readonly Cred[], log: (line?: string) => void, notes: string[]): Promise<BareFigures> {
  const N = creds.length;
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-bare-'));
  const observerPassword = randomBytes(18).toString('base64url');
  const figures: BareFigures = { connect_s: null, p99_ms: null, p50_ms: null, reconnect_s: null, rss_mb: null, cpu_pct: null, connected: 0 };
  let broker: TestMosquitto | null = null;
  const workers: WorkerHandle[] = [];
  let subscriber: LatencySubscriber | null = null;
  const sampler = new Sampler(() => {
    const pids = new Map<string, number>();
    if (broker?.pid()) pids.set('cloud', broker.pid()); // the broker is what stands in the cloud's place here
    pids.set('bench', process.pid);
    pids.set('machine', 0);
    for (const w of workers) if (w.child.pid) pids.set(`worker${w.index}`, w.child.pid);
    return pids;
  });
  const cpu = cpuReport(sampler, workers, notes);
  try {
    const file = passwordFile(dir, creds, observerPassword);
    broker = await startMosquitto({ dynsec: false, autosaveIntervalS: 60, extraConfig: ['allow_anonymous false', `password_file ${file}`, 'max_connections -1'] });
    // the comparison is with credentials checked: an anonymous client must be refused
    const anonymous = await connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 }).catch(() => null);
    if (anonymous) {
      await anonymous.endAsync(true);
      throw new Error('the bare Mosquitto let an anonymous client in: its password file is not in force');
    }
    log(`[bare] Debian Mosquitto alone on ${broker.url} (pid ${broker.pid()}), ${N} boxes in its password file (anonymous refused)`);
    sampler.start();
    for (let i = 0; i < opts.workers; i++) workers.push(startWorker(i));
    await Promise.all(workers.map((w) => expect(w, 'ready', 30_000)));
    await Promise.all(
      workers.map((w) => {
        w.child.send({ type: 'init', url: broker!.url, creds: creds.filter((_, i) => i % opts.workers === w.index) } satisfies ToWorker);
        return expect(w, 'initialized', 30_000);
      }),
    );
    subscriber = await LatencySubscriber.connect(broker.port, observerPassword, OBSERVER);

    // connect: as the cloud's side, K attempts in flight, first attempt → last CONNACK
    const t0 = Date.now();
    for (const w of workers) w.child.send({ type: 'connect', window: Math.max(1, Math.ceil(opts.connectWindow / opts.workers)) } satisfies ToWorker);
    const replies = await Promise.all(workers.map((w) => expectOrNull(w, 'connected', opts.connectDeadlineS * 1000)));
    if (replies.every((r) => r !== null)) {
      const last = Math.max(...replies.map((r) => r!.lastConnectAt));
      figures.connect_s = round((last - t0) / 1000, 2);
      figures.connected = N;
      log(`[bare connect] ${N}/${N} connected in ${fmt(figures.connect_s, 2)} s; ${cpu.cpuLine(t0, last).replace('cloud', 'mosquitto')}`);
    } else {
      figures.connected = replies.reduce((a, r) => a + (r?.connected ?? 0), 0);
      log(`[bare connect] FAILED: not all ${N} connected within ${opts.connectDeadlineS} s`);
      return figures;
    }

    // steady: telemetry latency at the observer over the window
    await sleep(5000);
    const s0 = Date.now();
    await sleep(opts.durationS * 1000);
    const s1 = Date.now();
    const lat = subscriber.latency.filter((x) => x.t >= s0 && x.t <= s1).map((x) => x.ms);
    const window = sampler.window('cloud', s0, s1);
    figures.p99_ms = percentile(lat, 99);
    figures.p50_ms = percentile(lat, 50);
    figures.rss_mb = round(window.rssMedian);
    figures.cpu_pct = round(window.cpuAvg);
    log(`[bare steady] ${lat.length} telemetry in ${opts.durationS} s (expected ${Math.round((N / INTERVAL_S) * opts.durationS)}), p50 ${fmt(figures.p50_ms, 0)} ms, p99 ${fmt(figures.p99_ms, 0)} ms; Mosquitto RSS ${fmt(figures.rss_mb)} MB, CPU ${fmt(figures.cpu_pct, 0)} %`);
    cpu.contention('bare Mosquitto steady window', s0, s1);

    // storm: every socket dropped at once, back with the edge's backoff
    for (const w of workers) w.child.send({ type: 'storm' } satisfies ToWorker);
    const started = await Promise.all(workers.map((w) => expect(w, 'storm-started', 10_000)));
    const dropAt = Math.min(...started.map((r) => r.dropAt));
    const back = await Promise.all(workers.map((w) => expectOrNull(w, 'storm-done', opts.stormTimeoutS * 1000)));
    if (back.every((r) => r !== null)) {
      figures.reconnect_s = round((Math.max(...back.map((r) => r!.lastConnectAt)) - dropAt) / 1000, 2);
      log(`[bare storm] all ${started.reduce((a, r) => a + r.dropped, 0)} back in ${fmt(figures.reconnect_s, 2)} s`);
    } else {
      log(`[bare storm] FAILED: not all back within ${opts.stormTimeoutS} s`);
    }
    return figures;
  } finally {
    sampler.stop();
    subscriber?.client.end(true);
    await Promise.all(workers.map(stopWorker));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
