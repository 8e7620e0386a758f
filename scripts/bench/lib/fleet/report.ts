import { INTERVAL_S } from './common.js';
import { logSummary } from './cloud-process.js';

/** The end of a run: the cloud's warnings, the legend of the figures, and the one `RESULT {json}` line. */

export function logCloudWarnings(logPath: string, log: (line?: string) => void): void {
  const warnings = logSummary(logPath);
  if (warnings.length) {
    log(`[cloud log] ${warnings.length} distinct warn/error messages (SC_LOG_LEVEL=warn):`);
    for (const w of warnings.slice(0, 8)) log(`        ${w.slice(0, 160)}`);
  }
}

export const LEGEND = `legend: connect_s = first connect attempt → last CONNACK of all N (provisioning excluded); rss_mb = cloud total RSS with all N connected (median of 1 s samples over the steady window), rss_baseline_mb = the same before connecting, rss_per_conn_kb = (rss_mb − baseline) / N; msgs_per_s = Δ sc_mqtt_messages_in_total per s, median of ${INTERVAL_S} s windows; p99_ms / p50_ms = median over those windows of the per-window percentile of (receive time at an sc-cloud MQTT subscriber − payload ts); store_p99_ms = telemetryAt − telemetry.ts as stored by the cloud's in-process ingest (one GET /api/v1/edges after the window); cpu_pct = cloud CPU, median of the windows (100 = one core); reconnect_s = all sockets dropped → last CONNACK; online_s = until sc_edges_online is back to N; wills_after_online = edges whose old last will reached the cloud after their new "online"`;

export function printResult(result: Record<string, unknown>): void {
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/** The RESULT of a run that failed before it could measure anything. */
export function printFailedResult(err: unknown): void {
  printResult({ edges: null, connect_s: null, rss_mb: null, msgs_per_s: null, p99_ms: null, reconnect_s: null, ok: false, error: String((err as Error)?.message ?? err).split('\n')[0] });
}
