import { DEFAULT_EDGES, fmt, percentile, round, sleep } from './common.js';
import type { RunContext } from './run-context.js';
import { askStats, expectOrNull } from './worker-handle.js';
import type { ToWorker } from './worker-protocol.js';

/**
 * Connect: every simulator opens its edges' connections, K attempts in flight at once; timed from the first
 * attempt to the last CONNACK, then checked against the broker's sc_edges_connected gauge.
 */
export async function runConnectPhase(ctx: RunContext): Promise<{ connectedAll: boolean }> {
  const { opts, result, notes, log, http, poller, sampler, workers, cpu } = ctx;
  const N = opts.edges;
  poller.start(500);
  const connectT0 = Date.now();
  for (const w of workers) w.child.send({ type: 'connect', window: Math.max(1, Math.ceil(opts.connectWindow / opts.workers)) } satisfies ToWorker);
  const connectDeadline = opts.connectDeadlineS * 1000;
  const connectReplies = await Promise.all(workers.map((w) => expectOrNull(w, 'connected', connectDeadline)));
  const connectT1 = Date.now();
  let connectedAll = connectReplies.every((r) => r !== null);
  // at the deadline: how many made it (asked at once, before anything else waits)
  const atDeadline = connectedAll ? null : await askStats(workers, false);
  let brokerConnected = NaN;
  for (let i = 0; i < 20; i++) {
    brokerConnected = (await http.metrics()).connected;
    if (brokerConnected === N) break;
    await sleep(250);
  }
  const connectLat = connectReplies.flatMap((r) => r?.latencies ?? []);
  if (connectedAll && brokerConnected === N) {
    const lastAt = Math.max(...connectReplies.map((r) => r!.lastConnectAt));
    const connectS = (lastAt - connectT0) / 1000;
    const attempts = connectReplies.reduce((a, r) => a + (r?.attempts ?? 0), 0);
    result.connect_s = round(connectS, 2);
    log(`[connect] ${N}/${N} connected in ${connectS.toFixed(2)} s = ${(N / connectS).toFixed(0)} connections/s (${attempts} attempts; broker gauge sc_edges_connected=${brokerConnected})`);
    log(`          CONNACK latency p50 ${fmt(percentile(connectLat, 50), 0)} ms, p99 ${fmt(percentile(connectLat, 99), 0)} ms`);
    log(`          ${cpu.cpuLine(connectT0, lastAt)}`);
    cpu.contention('connect phase', connectT0, lastAt);
  } else {
    const stats = atDeadline ?? [];
    // every client saw its CONNACK but the broker's gauge disagrees: count what the clients say, and say so
    if (!atDeadline) notes.push(`all clients connected but sc_edges_connected reads ${brokerConnected}, not ${N}`);
    const connectedNow = atDeadline ? stats.reduce((a, s) => a + s.connected, 0) : connectReplies.reduce((a, r) => a + (r?.connected ?? 0), 0);
    const errs: Record<string, number> = {};
    for (const s of stats) for (const [k, v] of Object.entries(s.errors)) errs[k] = (errs[k] ?? 0) + v;
    result.connected = connectedNow;
    ctx.fail();
    connectedAll = false;
    const cloudCpu = sampler.window('cloud', connectT0, connectT1).cpuAvg;
    const others = cpu.othersCpu(connectT0, connectT1);
    notes.push(
      `only ${connectedNow} of ${N} edges connected within ${opts.connectDeadlineS} s (the cloud got ${fmt(cloudCpu, 0)} % CPU, other processes took ${fmt(others, 0)} %). ` +
        `The default of ${DEFAULT_EDGES} should connect within 5 s on a 2-core machine when the cloud gets most of a core; ` +
        `on a busy machine try --edges 1500 or fewer, or compare with a run on a quiet machine`,
    );
    log(`[connect] FAILED: ${connectedNow}/${N} connected at the ${opts.connectDeadlineS} s deadline (${((connectT1 - connectT0) / 1000).toFixed(1)} s; the rest keep trying in the background, broker gauge ${brokerConnected} a moment later); client errors ${JSON.stringify(errs)}`);
    log(`          ${cpu.cpuLine(connectT0, connectT1)}`);
    cpu.contention('connect phase', connectT0, connectT1);
  }
  return { connectedAll };
}
