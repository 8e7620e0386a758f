import { cpus } from 'node:os';
import { fmt, INTERVAL_S, median, percentile, round, sleep } from './common.js';
import type { LatencySubscriber } from './latency-subscriber.js';
import { cpuPct, readProc, type Sampler } from './proc-sampler.js';
import type { RunContext } from './run-context.js';
import { askStats } from './worker-handle.js';

/**
 * Steady state: after a warm-up, windows of one telemetry interval: msgs/s into the cloud, subscriber latency,
 * cloud CPU, RSS and event-loop delay; then memory per connection, the stored telemetry and the simulators.
 */
export async function runSteadyPhase(
  ctx: RunContext,
  { base, connectedAll, subscriber, cloudPid }: { base: ReturnType<Sampler['window']>; connectedAll: boolean; subscriber: LatencySubscriber; cloudPid: number },
) {
  const { opts, result, notes, log, http, poller, sampler, workers, cpu } = ctx;
  const N = opts.edges;
  const warmupS = 5;
  await sleep(warmupS * 1000);
  poller.start(1000);
  const windowS = Math.min(INTERVAL_S, opts.durationS);
  const nWindows = Math.max(1, Math.floor(opts.durationS / windowS));
  const resetStats = () => askStats(workers, true);
  const statsBefore = await resetStats();
  const steadyT0 = Date.now();
  let prev = { metrics: await http.metrics(), proc: readProc(cloudPid) };
  const windows: { msgsPerS: number; p50: number | null; p99: number | null; cpu: number | null; rss: number | null; samples: number; loopMax: number }[] = [];
  log(`[steady] ${warmupS} s warm-up, then ${nWindows} window(s) of ${windowS} s; latency = subscriber receive time − payload ts (sc-cloud service subscriber, same host clock)`);
  log(`          window  msgs/s  lat p50 ms  lat p99 ms  cloud CPU %  cloud RSS MB  cloud loop max ms`);
  for (let w = 0; w < nWindows; w++) {
    const target = steadyT0 + (w + 1) * windowS * 1000;
    await sleep(Math.max(0, target - Date.now()));
    const now = { metrics: await http.metrics(), proc: readProc(cloudPid) };
    const dt = (now.metrics.at - prev.metrics.at) / 1000;
    const msgsPerS = (now.metrics.messagesIn - prev.metrics.messagesIn) / dt;
    const lat = subscriber.latency.filter((l) => l.t > prev.metrics.at && l.t <= now.metrics.at).map((l) => l.ms);
    const rss = sampler.window('cloud', prev.metrics.at, now.metrics.at).rssMedian;
    const loopMax = Math.max(now.metrics.loopMaxMs, ...poller.metrics.filter((m) => m.at > prev.metrics.at && m.at <= now.metrics.at).map((m) => m.loopMaxMs));
    const row = { msgsPerS, p50: percentile(lat, 50), p99: percentile(lat, 99), cpu: cpuPct(prev.proc, now.proc), rss, samples: lat.length, loopMax };
    windows.push(row);
    log(`          ${String(w + 1).padStart(6)}  ${fmt(row.msgsPerS).padStart(6)}  ${fmt(row.p50).padStart(10)}  ${fmt(row.p99).padStart(10)}  ${fmt(row.cpu).padStart(11)}  ${fmt(row.rss).padStart(12)}  ${fmt(row.loopMax, 0).padStart(17)}`);
    prev = now;
  }
  const steadyT1 = Date.now();
  const steadyLat = subscriber.latency.filter((l) => l.t > steadyT0 && l.t <= steadyT1).map((l) => l.ms);
  const steadyMetrics = prev.metrics;
  const statsAfter = await resetStats();
  const telemetrySent = statsAfter.reduce((a, s) => a + s.telemetrySent, 0) - statsBefore.reduce((a, s) => a + s.telemetrySent, 0);
  const msgsPerS = median(windows.map((w) => w.msgsPerS));
  const p99 = median(windows.map((w) => w.p99).filter((v): v is number => v !== null));
  const p50 = median(windows.map((w) => w.p50).filter((v): v is number => v !== null));
  const cpuSteady = median(windows.map((w) => w.cpu).filter((v): v is number => v !== null));
  const steady = sampler.window('cloud', steadyT0, steadyT1);
  const rssMb = steady.rssMedian;
  const perConnKb = rssMb !== null && base.rssMedian !== null ? ((rssMb - base.rssMedian) * 1024) / N : null;
  Object.assign(result, {
    rss_mb: round(rssMb),
    msgs_per_s: round(msgsPerS),
    p99_ms: round(p99),
    p50_ms: round(p50),
    p99_all_ms: round(percentile(steadyLat, 99)),
    rss_per_conn_kb: round(perConnKb),
    cpu_pct: round(cpuSteady),
    cpu_baseline_pct: round(base.cpuMedian),
  });
  log(`          median  ${fmt(msgsPerS).padStart(6)}  ${fmt(p50).padStart(10)}  ${fmt(p99).padStart(10)}  ${fmt(cpuSteady).padStart(11)}  ${fmt(rssMb).padStart(12)}  ${fmt(median(windows.map((w) => w.loopMax)), 0).padStart(17)}`);
  log(`          expected ${(N / INTERVAL_S).toFixed(1)} msgs/s (N / ${INTERVAL_S} s); simulators sent ${telemetrySent} telemetry in ${((steadyT1 - steadyT0) / 1000).toFixed(1)} s, the subscriber received ${steadyLat.length}; p99 over the whole window ${fmt(percentile(steadyLat, 99))} ms, max ${fmt(steadyLat.length ? Math.max(...steadyLat) : null)} ms`);
  log(`          memory: rss_mb = cloud total RSS with ${N} connected (median of 1 s samples) = ${fmt(rssMb)} MB vs ${fmt(base.rssMedian)} MB baseline before connecting → +${fmt(rssMb !== null && base.rssMedian !== null ? rssMb - base.rssMedian : null)} MB = ${fmt(perConnKb)} KB per connection (max RSS in window ${fmt(steady.rssMax)} MB)`);
  log(`          (the delta also holds the one-off warm-up of the MQTT/ingest path and V8 heap growth, so KB per connection is an upper bound, meaningful at large N; compare runs at the same N)`);
  log(`          cloud CPU: ${fmt(cpuSteady)} % median of ${windowS} s windows (baseline idle ${fmt(base.cpuMedian)} %; 100 % = one core of ${cpus().length})`);
  log(`          ${cpu.cpuLine(steadyT0, steadyT1)}`);
  cpu.contention('steady window', steadyT0, steadyT1);
  result.others_cpu_pct = round(cpu.othersCpu(steadyT0, steadyT1), 0);
  const steadyHealth = poller.healthBetween(steadyT0, steadyT1);
  log(`          /healthz ${steadyHealth.ok}/${steadyHealth.n} OK, p50 ${fmt(steadyHealth.p50)} ms, p99 ${fmt(steadyHealth.p99)} ms`);
  // cross-check: what the cloud stored (telemetryAt is the cloud's clock at ingest)
  const listed = await http.request<{ edges: { online: boolean; telemetry: { ts: number } | null; telemetryAt: number | null }[] }>('GET', '/api/v1/edges', undefined, 30_000);
  if (listed.status === 200) {
    const stored = listed.body.edges.filter((e) => e.telemetry && e.telemetryAt).map((e) => e.telemetryAt! - e.telemetry!.ts);
    const online = listed.body.edges.filter((e) => e.online).length;
    result.store_p99_ms = round(percentile(stored, 99));
    log(`          stored telemetry (GET /api/v1/edges in ${listed.ms.toFixed(0)} ms: telemetryAt − telemetry.ts over ${stored.length} edges): p50 ${fmt(percentile(stored, 50))} ms, p99 ${fmt(percentile(stored, 99))} ms; ${online}/${N} online`);
  } else {
    log(`          GET /api/v1/edges answered ${listed.status}`);
  }
  const benchSteady = sampler.window('bench', steadyT0, steadyT1);
  const simLine = statsAfter
    .map((s, i) => {
      const w = sampler.window(`worker${i}`, steadyT0, steadyT1);
      return `worker${i}: ${s.total} edges, CPU ${fmt(w.cpuAvg)} %, RSS ${fmt(w.rssMedian)} MB, loop delay p99 ${fmt(s.loopDelayP99Ms)} ms`;
    })
    .join('; ');
  log(`          simulator: ${simLine}; main (subscriber+polling) CPU ${fmt(benchSteady.cpuAvg)} %`);
  const rejectedSteady = steadyMetrics.rejected;
  if ((rejectedSteady.schema ?? 0) > 0) notes.push(`the cloud rejected ${rejectedSteady.schema} payloads on schema: the simulated telemetry is not what the cloud expects`);
  if (subscriber.badTelemetry) notes.push(`${subscriber.badTelemetry} telemetry payloads seen by the subscriber were not JSON`);
  const expectedRate = N / INTERVAL_S;
  if (connectedAll && msgsPerS !== null && Math.abs(msgsPerS - expectedRate) > expectedRate * 0.1) notes.push(`msgs/s ${msgsPerS.toFixed(1)} differs from the expected ${expectedRate.toFixed(1)} by more than 10 %`);
  return { steadyHealth };
}
