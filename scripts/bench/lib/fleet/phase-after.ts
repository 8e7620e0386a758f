import { INTERVAL_S, sleep } from './common.js';
import type { Poller } from './cloud-http.js';
import type { LatencySubscriber } from './latency-subscriber.js';
import type { RunContext } from './run-context.js';
import { askStats } from './worker-handle.js';

/** After the storm: one telemetry interval, the fleet must be back to its steady state (RESULT healthy). */
export async function runAfterPhase(
  ctx: RunContext,
  {
    expectedConnected,
    stormHealth,
    subscriber,
    cloudExit,
  }: { expectedConnected: number; stormHealth: ReturnType<Poller['healthBetween']>; subscriber: LatencySubscriber; cloudExit: () => string | null },
): Promise<void> {
  const { result, notes, log, http, poller, workers } = ctx;
  // Healthy is: every edge connected; every edge heartbeating once per interval again (the telemetry the
  // simulators send, ±15 % of N per interval); and the cloud taking in what the fleet sends in the same window
  // (±15 %). Messages that reconnecting edges send besides telemetry (availability, acks of the retained
  // desired documents), and the last wills the broker still publishes for their dead connections, count on
  // both sides of that last comparison, so they are not mistaken for a fault, while a cloud still draining
  // a backlog, or losing messages, is.
  const fleetSent = async () => {
    const stats = await askStats(workers, false);
    return { telemetry: stats.reduce((a, st) => a + st.telemetrySent, 0), all: stats.reduce((a, st) => a + st.telemetrySent + st.otherSent, 0) };
  };
  poller.start(1000);
  const [afterM0, sent0, wills0] = await Promise.all([http.metrics(), fleetSent(), subscriber.willsSeen]);
  await sleep(INTERVAL_S * 1000);
  const [afterM1, sent1, wills1] = await Promise.all([http.metrics(), fleetSent(), subscriber.willsSeen]);
  const afterS = (afterM1.at - afterM0.at) / 1000;
  const afterRate = (afterM1.messagesIn - afterM0.messagesIn) / afterS;
  const willRate = (wills1 - wills0) / afterS;
  const sentRate = (sent1.all - sent0.all) / afterS + willRate;
  const heartbeatRate = (sent1.telemetry - sent0.telemetry) / afterS;
  const steadyHeartbeat = expectedConnected / INTERVAL_S;
  const afterHealth = await http.request<{ status: string; edgesOnline: number; edgesConnected: number | null }>('GET', '/healthz', undefined, 5000).catch(() => null);
  const rejected = afterM1.rejected;
  const healthy =
    !cloudExit() &&
    afterHealth?.status === 200 &&
    stormHealth.n > 0 &&
    stormHealth.ok === stormHealth.n &&
    afterM1.connected === expectedConnected &&
    Math.abs(heartbeatRate - steadyHeartbeat) <= steadyHeartbeat * 0.15 &&
    Math.abs(afterRate - sentRate) <= sentRate * 0.15 &&
    !(rejected.schema ?? 0);
  log(`[after] ${INTERVAL_S} s after the storm: heartbeats sent ${heartbeatRate.toFixed(1)}/s (steady ${steadyHeartbeat.toFixed(1)}/s); the fleet sent ${sentRate.toFixed(1)} msgs/s in all (of which ${willRate.toFixed(1)}/s last wills of old connections), the cloud took in ${afterRate.toFixed(1)} msgs/s; /healthz ${afterHealth?.status ?? 'no answer'} ${afterHealth ? JSON.stringify(afterHealth.body) : ''}`);
  log(`        sc_mqtt_rejected_total ${JSON.stringify(rejected)} (schema must stay 0); cloud ${cloudExit() ?? 'running'} → ${healthy ? 'HEALTHY' : 'NOT HEALTHY'}`);
  result.healthy = healthy;
  result.rejected_schema = rejected.schema ?? 0;
  if (!healthy) {
    ctx.fail();
    notes.push('the cloud was not healthy after the reconnect storm (see [storm]/[after])');
  }
}
