import { EDGE_BACKOFF, fmt, INTERVAL_S, percentile, round, sleep } from './common.js';
import type { Poller } from './cloud-http.js';
import type { LatencySubscriber } from './latency-subscriber.js';
import type { RunContext } from './run-context.js';
import { askStats, expect, expectOrNull } from './worker-handle.js';
import type { ToWorker } from './worker-protocol.js';

/**
 * Reconnect storm: every connection dropped at once (socket destroyed, so the broker publishes every last
 * will); timed until the last CONNACK and until the broker's gauges are back, with the availability order.
 */
export async function runStormPhase(
  ctx: RunContext,
  { connectedAll, steadyHealth, subscriber }: { connectedAll: boolean; steadyHealth: ReturnType<Poller['healthBetween']>; subscriber: LatencySubscriber },
) {
  const { opts, result, notes, log, http, poller, sampler, workers, cpu } = ctx;
  const N = opts.edges;
  poller.start(250);
  await sleep(300);
  const stormMetricsBefore = await http.metrics();
  const stormT0 = Date.now();
  subscriber.stormStartedAt = stormT0;
  for (const w of workers) w.child.send({ type: 'storm' } satisfies ToWorker);
  const started = await Promise.all(workers.map((w) => expect(w, 'storm-started', 10_000)));
  const dropped = started.reduce((a, r) => a + r.dropped, 0);
  const dropAt = Math.min(...started.map((r) => r.dropAt));
  const stormReplies = await Promise.all(workers.map((w) => expectOrNull(w, 'storm-done', Math.max(1000, dropAt + opts.stormTimeoutS * 1000 - Date.now()))));
  const clientsBack = stormReplies.every((r) => r !== null);
  // the broker's own view: sc_edges_connected back to N, and (after the wills) sc_edges_online back to N
  const expectedConnected = connectedAll ? N : dropped;
  const lastClientAt = clientsBack ? Math.max(...stormReplies.map((r) => r!.lastConnectAt)) : null;
  // after the last CONNACK, give the gauges one telemetry interval (plus margin) to settle
  const waitUntil = lastClientAt !== null ? lastClientAt + (INTERVAL_S + 5) * 1000 : Date.now();
  let gaugeBackAt: number | null = null;
  let onlineBackAt: number | null = null;
  let dipAt: number | null = null;
  let minConnected = Infinity;
  let minOnline = Infinity;
  for (;;) {
    const ms = poller.metrics.filter((m) => m.at >= stormT0);
    minConnected = Math.min(Infinity, ...ms.map((m) => m.connected));
    minOnline = Math.min(Infinity, ...ms.map((m) => m.online));
    dipAt = ms.find((m) => m.online < expectedConnected)?.at ?? null;
    gaugeBackAt = lastClientAt !== null ? (ms.find((m) => m.at >= lastClientAt && m.connected >= expectedConnected)?.at ?? null) : null;
    onlineBackAt = dipAt !== null ? (ms.find((m) => m.at > dipAt! && m.online >= expectedConnected)?.at ?? null) : null;
    if ((gaugeBackAt !== null && onlineBackAt !== null) || Date.now() > waitUntil) break;
    await sleep(250);
  }
  const sawOnlineDip = dipAt !== null;
  const stormT1 = Date.now();
  const stormHealth = poller.healthBetween(stormT0, stormT1);
  const stormCloud = sampler.window('cloud', stormT0, stormT1);
  const stormLat = stormReplies.flatMap((r) => r?.latencies ?? []);
  const stormAttempts = stormReplies.reduce((a, r) => a + (r?.attempts ?? 0), 0);
  if (lastClientAt !== null && gaugeBackAt !== null) {
    result.reconnect_s = round((lastClientAt - dropAt) / 1000, 2);
    log(`[storm] dropped ${dropped} connections at once (socket destroyed, no DISCONNECT: the broker publishes every last will)`);
    log(`        all ${dropped} reconnected in ${((lastClientAt - dropAt) / 1000).toFixed(2)} s (last CONNACK; ${stormAttempts} attempts with the edge's backoff ${EDGE_BACKOFF.initialMs} ms ±${EDGE_BACKOFF.jitter * 100} %); per edge p50 ${fmt(percentile(stormLat, 50), 0)} ms, p99 ${fmt(percentile(stormLat, 99), 0)} ms`);
    log(`        broker gauge sc_edges_connected: min ${minConnected}, back to ${expectedConnected} by ${((gaugeBackAt - dropAt) / 1000).toFixed(2)} s (250 ms polling)`);
  } else {
    ctx.fail();
    const stats = await askStats(workers, false);
    const errs: Record<string, number> = {};
    for (const s of stats) for (const [k, v] of Object.entries(s.errors)) errs[k] = (errs[k] ?? 0) + v;
    result.reconnected = stats.reduce((a, s) => a + s.connected, 0);
    log(`[storm] dropped ${dropped} connections at once (socket destroyed, no DISCONNECT: the broker publishes every last will)`);
    log(`        FAILED: ${result.reconnected}/${dropped} back after ${((stormT1 - dropAt) / 1000).toFixed(1)} s (broker gauge min ${minConnected}, now ${poller.metrics.at(-1)?.connected}); client errors ${JSON.stringify(errs)}`);
    notes.push(`the reconnect storm did not complete within ${opts.stormTimeoutS} s`);
  }
  const timeline = [2, 5, 10, 20, 30, 45, 60, 90, 120]
    .filter((t) => dropAt + t * 1000 <= stormT1 + 500)
    .map((t) => {
      const m = poller.metrics.filter((x) => x.at <= dropAt + t * 1000).at(-1);
      return m ? `${t} s ${m.connected}/${m.online}` : null;
    })
    .filter(Boolean);
  log(`        timeline after the drop (sc_edges_connected/sc_edges_online): ${timeline.join(', ')}`);
  // the last will of the dropped connection must reach the cloud before the new connection's "online"
  const stormClientStats = await askStats(workers, false, true);
  const connectedNow = new Set(stormClientStats.flatMap((st) => st.connectedIds ?? []));
  let willAfterOnline = 0;
  let connectedButOffline = 0;
  for (const [edgeId, states] of subscriber.availabilityAfterStorm) {
    const firstOnline = states.indexOf('online');
    if (firstOnline >= 0 && states.indexOf('offline', firstOnline) > firstOnline) willAfterOnline++;
    if (connectedNow.has(edgeId) && states.at(-1) === 'offline') connectedButOffline++;
  }
  result.wills_after_online = willAfterOnline;
  log(`        availability order (sc-cloud subscriber): ${willAfterOnline} edge(s) got an "offline" (a last will) after their new "online"; ${connectedButOffline} edge(s) are connected now but their last retained availability is "offline"`);
  const stormErrs: Record<string, number> = {};
  for (const st of stormClientStats) for (const [k, v] of Object.entries(st.errors)) stormErrs[k] = (stormErrs[k] ?? 0) + v;
  log(`        client-side errors since the start (connect + storm): ${JSON.stringify(stormErrs)}`);
  result.online_s = onlineBackAt ? round((onlineBackAt - dropAt) / 1000, 2) : null;
  log(`        sc_edges_online: min ${Number.isFinite(minOnline) ? minOnline : 'n/a'}, back to ${expectedConnected} ${onlineBackAt ? `by ${((onlineBackAt - dropAt) / 1000).toFixed(2)} s` : sawOnlineDip ? 'NOT within the wait' : '(never dipped in the 250 ms polls)'}`);
  log(`        /healthz during the storm: ${stormHealth.ok}/${stormHealth.n} OK, p50 ${fmt(stormHealth.p50)} ms, p99 ${fmt(stormHealth.p99)} ms, max ${fmt(stormHealth.max)} ms (steady baseline p99 ${fmt(steadyHealth.p99)} ms)${stormHealth.failures.length ? `; failures ${JSON.stringify(stormHealth.failures.slice(0, 5))}` : ''}`);
  log(`        ${cpu.cpuLine(dropAt, lastClientAt ?? stormT1)}`);
  cpu.contention('reconnect storm', dropAt, lastClientAt ?? stormT1);
  log(`        cloud RSS max ${fmt(stormCloud.rssMax)} MB; messages in during the storm ${((poller.metrics.at(-1)?.messagesIn ?? NaN) - stormMetricsBefore.messagesIn).toFixed(0)}`);
  return { expectedConnected, stormHealth };
}
