/**
 * Fleet benchmark: N simulated edge boxes, each with its own credentials, against the cloud's
 * embedded MQTT broker.
 *
 *   scripts/bench/fleet [--broker embedded|mosquitto] [--edges N] [--duration S] [--workers W] [--connect-window K]
 *
 * With --broker mosquitto (issue 11) the boxes first run against Debian's Mosquitto alone (the
 * reference, lib/fleet/bare-mosquitto.ts), then the phases below run with the cloud on a Mosquitto of
 * its own that keeps the boxes' accounts through dynamic security (lib/fleet/mosquitto-run.ts).
 *
 * The cloud runs as its own process (`node cloud/dist/cli.js`, fresh data dir, free ports on
 * 127.0.0.1) so its CPU and RSS read from /proc are its alone. The simulated edges run in W child
 * processes of this script (`--worker`); this process provisions the edges over HTTP, measures
 * latency with one MQTT subscriber using the cloud's service credential, polls /metrics and
 * /healthz, and samples /proc. Phases: setup (provision, not timed as connect) → baseline →
 * connect → steady window → reconnect storm → short check after the storm → RESULT line.
 * The parts live in scripts/bench/lib/fleet/.
 */
import { printFailedResult } from './lib/fleet/report.js';
import { runFleetBenchmark } from './lib/fleet/run.js';
import { workerMain } from './lib/fleet/simulator-worker.js';

if (process.argv.includes('--worker')) {
  void workerMain();
} else {
  runFleetBenchmark(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    printFailedResult(err);
    process.exit(1);
  });
}
