import { cpus } from 'node:os';
import { telemetrySchema } from '../../../../shared/src/index.js';
import { Http, Poller } from './cloud-http.js';
import { builtCloudCli, removeCloudData, servicePasswordOf, startCloudProcess, tailOf } from './cloud-process.js';
import { HOST, INTERVAL_S, round, sleep } from './common.js';
import { cpuReport } from './cpu-report.js';
import { LatencySubscriber } from './latency-subscriber.js';
import { parseOptions } from './options.js';
import { bareMosquittoFirst, preprovisionAccounts, startBenchMosquitto, type BenchMosquitto } from './mosquitto-run.js';
import { runAfterPhase } from './phase-after.js';
import { measureBaseline } from './phase-baseline.js';
import { runConnectPhase } from './phase-connect.js';
import { runSteadyPhase } from './phase-steady.js';
import { runStormPhase } from './phase-storm.js';
import { Sampler } from './proc-sampler.js';
import { provisionEdges } from './provision.js';
import { LEGEND, logCloudWarnings, printResult } from './report.js';
import type { RunContext } from './run-context.js';
import { makeTelemetry } from './simulated-telemetry.js';
import { expect, startWorker, stopWorker, type WorkerHandle } from './worker-handle.js';
import type { ToWorker } from './worker-protocol.js';

/**
 * One fleet benchmark run: the cloud as its own process, the simulators, the phases in order
 * (start → setup → baseline → connect → steady → storm → after), a clean stop whatever happens
 * (watchdog, Ctrl-C), and the RESULT line. Exits the process with the run's code.
 */
export async function runFleetBenchmark(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const runStartedAt = Date.now();
  const N = opts.edges;
  const result: Record<string, unknown> = { edges: N, connect_s: null, rss_mb: null, msgs_per_s: null, p99_ms: null, reconnect_s: null };
  const notes: string[] = [];
  let exitCode = 0;

  const log = (line = '') => console.log(line);
  const cloudDist = builtCloudCli();

  // the simulated payload must satisfy the contract, or the cloud would drop every message
  const check = telemetrySchema.safeParse(makeTelemetry('edg_selfcheck00000', Date.now(), 0));
  if (!check.success) throw new Error(`the simulated telemetry does not satisfy telemetrySchema: ${check.error.message}`);

  // --broker mosquitto: Mosquitto alone with the same boxes first (bare_* figures), then the cloud on a Mosquitto of its own
  if (opts.broker === 'mosquitto') Object.assign(result, await bareMosquittoFirst(opts, log, notes));
  const mosquitto: BenchMosquitto | null = opts.broker === 'mosquitto' ? await startBenchMosquitto() : null;
  // --preprovision: the cloud on Mosquitto without keeping accounts; they come from sc-cloud dynsec-file after the claims
  const cloudEnv = mosquitto ? { ...mosquitto.cloudEnv, ...(opts.preprovision ? { SC_MQTT_DYNSEC: '0' } : {}) } : {};
  const cloud = await startCloudProcess(cloudDist, cloudEnv);
  const { logPath, httpPort, mqttPort, dataDir } = cloud;

  const workers: WorkerHandle[] = [];
  let subscriber: LatencySubscriber | null = null;
  const http = new Http(`http://${HOST}:${httpPort}`);
  const poller = new Poller(http);
  const sampler = new Sampler(() => {
    const pids = new Map<string, number>();
    if (cloud.child.pid && !cloud.exit()) pids.set('cloud', cloud.child.pid);
    pids.set('bench', process.pid);
    pids.set('machine', 0);
    for (const w of workers) if (w.child.pid) pids.set(`worker${w.index}`, w.child.pid);
    if (mosquitto?.broker.pid()) pids.set('mosquitto', mosquitto.broker.pid());
    return pids;
  });
  http.connectedIsOnline = mosquitto !== null;
  const ctx: RunContext = {
    opts,
    result,
    notes,
    log,
    fail: () => {
      result.ok = false;
      exitCode = 1;
    },
    http,
    poller,
    sampler,
    workers,
    cpu: cpuReport(sampler, workers, notes),
  };

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    poller.stop();
    sampler.stop();
    subscriber?.client.end(true);
    await Promise.all(workers.map(stopWorker));
    await cloud.stop();
    await mosquitto?.broker.stop();
    if (!opts.keepData) removeCloudData(cloud);
  };

  // the run stops by itself whatever happens
  const budgetS = 60 + Math.ceil(N / 40) + 30 + opts.connectDeadlineS + 5 + opts.durationS + opts.stormTimeoutS + 40 + 60;
  const watchdog = setTimeout(() => {
    console.error(`watchdog: the run exceeded its ${budgetS} s budget; stopping`);
    result.ok = false;
    result.error = 'watchdog timeout';
    void cleanup().finally(() => {
      printResult(result);
      process.exit(1);
    });
  }, budgetS * 1000);
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: the signal often arrives twice (from the terminal and relayed by npx/tsx), and with no
    // listener left the second one would kill this process before it has stopped the cloud and the simulators
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${sig}: stopping the cloud and the simulated edges`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    log(`== Smart Commune fleet benchmark ==`);
    log(`edges ${N}, telemetry every ${INTERVAL_S} s (QoS 0, staggered), steady window ${opts.durationS} s, ${opts.workers} simulator process(es), connect window ${opts.connectWindow}`);
    log(`machine: ${cpus().length} cores, node ${process.version}; cloud pid ${cloud.child.pid}, http ${HOST}:${httpPort}, mqtt ${HOST}:${mqttPort}, data ${dataDir}`);
    log(`hard stop after ${budgetS} s`);

    // ── start ──
    const startT = Date.now();
    for (;;) {
      if (cloud.exit()) throw new Error(`the cloud ${cloud.exit()} at start:\n${tailOf(logPath, 20)}`);
      if (Date.now() - startT > 30_000) throw new Error(`the cloud did not answer /healthz within 30 s:\n${tailOf(logPath, 20)}`);
      try {
        if ((await http.request('GET', '/healthz', undefined, 1000)).status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    log(`[start] cloud healthy after ${((Date.now() - startT) / 1000).toFixed(1)} s`);
    sampler.start();
    const servicePassword = servicePasswordOf(cloud);

    const { creds, mqttUrl } = await provisionEdges(ctx, cloud.adminPassword);
    if (mosquitto && opts.preprovision) {
      result.preprovisioned = true;
      result.preprovision_s = round(await preprovisionAccounts(mosquitto, dataDir, log));
      notes.push('accounts pre-provisioned with sc-cloud dynsec-file (the broker restarted with the file): connect, telemetry and storm measured on them; claims did not go through dynamic security');
      await sleep(2000); // the cloud's own MQTT connection comes back after the broker's restart
    }

    // ── simulator processes ──
    for (let i = 0; i < opts.workers; i++) workers.push(startWorker(i));
    await Promise.all(workers.map((w) => expect(w, 'ready', 30_000)));
    await Promise.all(
      workers.map((w) => {
        const slice = creds.filter((_, i) => i % opts.workers === w.index);
        w.child.send({ type: 'init', url: mqttUrl, creds: slice } satisfies ToWorker);
        return expect(w, 'initialized', 30_000);
      }),
    );

    subscriber = mosquitto
      ? await LatencySubscriber.connect(mosquitto.broker.port, mosquitto.broker.adminPassword, mosquitto.broker.adminUsername)
      : await LatencySubscriber.connect(mqttPort, servicePassword);
    const base = await measureBaseline(ctx);
    const { connectedAll } = await runConnectPhase(ctx);
    const { steadyHealth } = await runSteadyPhase(ctx, { base, connectedAll, subscriber, cloudPid: cloud.child.pid! });
    const { expectedConnected, stormHealth } = await runStormPhase(ctx, { connectedAll, steadyHealth, subscriber });
    await runAfterPhase(ctx, { expectedConnected, stormHealth, subscriber, cloudExit: cloud.exit });

    if (mosquitto) {
      const window = sampler.window('mosquitto', runStartedAt, Date.now());
      Object.assign(result, { mosquitto_rss_mb_max: round(window.rssMax), mosquitto_cpu_pct: round(window.cpuAvg) });
      if (typeof result.connect_s === 'number' && typeof result.bare_connect_s === 'number') {
        const ratio = round(result.connect_s / result.bare_connect_s, 2);
        result.connect_vs_bare = ratio;
        if (ratio !== null && ratio > 2) notes.push(`the cloud's boxes took ${ratio}× bare Mosquitto's connect time (target ≤ 2×)`);
      }
    }
    logCloudWarnings(logPath, log);
    Object.assign(result, { workers: opts.workers, duration_s: opts.durationS, run_s: round((Date.now() - runStartedAt) / 1000) });
    if (result.ok === undefined) result.ok = true;
  } catch (err) {
    exitCode = 1;
    result.ok = false;
    result.error = (err as Error).message.split('\n')[0];
    console.error(`fleet benchmark failed: ${(err as Error).stack ?? err}`);
    if (cloud.exit()) console.error(`cloud ${cloud.exit()}; last log lines:\n${tailOf(logPath, 20)}`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  for (const n of notes) console.log(`note: ${n}`);
  log(LEGEND);
  printResult(result);
  process.exit(exitCode);
}
