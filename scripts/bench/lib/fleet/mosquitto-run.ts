import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDynsecFile } from '../../../../cloud/src/broker/mosquitto/dynsec-file-cli.js';
import { startMosquitto, type TestMosquitto } from '../../../../cloud/src/broker/testing/mosquitto.js';
import { loadCloudConfig } from '../../../../cloud/src/config.js';
import { generatedCreds, runBareMosquitto } from './bare-mosquitto.js';
import type { Options } from './options.js';

/**
 * `scripts/bench/fleet --broker mosquitto` (issue 11): first Mosquitto alone with the same simulated
 * boxes (bare-mosquitto.ts: the reference), then the usual phases with the cloud on a Mosquitto of its
 * own, its box accounts kept by the cloud through dynamic security (SC_MQTT_URL + SC_MQTT_DYNSEC=1).
 * There the embedded broker's sc_edges_connected does not exist: the phases read the boxes online.
 */

export interface BenchMosquitto {
  broker: TestMosquitto;
  /** The cloud's settings to use it: its dynsec admin account in the URL, accounts kept in step. */
  cloudEnv: Record<string, string>;
}

/** The bare side's figures, as bare_* fields of the RESULT line. */
export async function bareMosquittoFirst(opts: Options, log: (line?: string) => void, notes: string[]): Promise<Record<string, unknown>> {
  const bare = await runBareMosquitto(opts, generatedCreds(opts.edges), log, notes);
  if (bare.connect_s === null) notes.push('bare Mosquitto did not connect every box: the comparison has no reference');
  return {
    bare_connect_s: bare.connect_s,
    bare_p50_ms: bare.p50_ms,
    bare_p99_ms: bare.p99_ms,
    bare_reconnect_s: bare.reconnect_s,
    bare_rss_mb: bare.rss_mb,
    bare_cpu_pct: bare.cpu_pct,
  };
}

/**
 * --preprovision: the claimed boxes' accounts written from the cloud's database with
 * `sc-cloud dynsec-file` (its code, on the cloud's data dir), then the broker restarted with the
 * file, as a province's broker is provisioned (docs/operations.md). Returns the seconds it took.
 */
export async function preprovisionAccounts(mosquitto: BenchMosquitto, cloudDataDir: string, log: (line?: string) => void): Promise<number> {
  const started = Date.now();
  const live = join(mosquitto.broker.dir, 'dynamic-security.json');
  const written = join(mosquitto.broker.dir, 'dynamic-security.written.json');
  const errors: string[] = [];
  const code = await runDynsecFile({ out: written, keepFrom: live, force: true }, loadCloudConfig({}, { SC_DATA_DIR: cloudDataDir }), (t) => log(`[preprovision] ${t}`), (t) => errors.push(t));
  if (code !== 0) throw new Error(`sc-cloud dynsec-file failed: ${errors.join('; ')}`);
  await mosquitto.broker.kill();
  copyFileSync(written, live);
  await mosquitto.broker.restart();
  const seconds = (Date.now() - started) / 1000;
  log(`[preprovision] Mosquitto restarted with the written file in ${seconds.toFixed(1)} s in all (the cloud keeps no accounts in this run: SC_MQTT_DYNSEC=0)`);
  return seconds;
}

export async function startBenchMosquitto(): Promise<BenchMosquitto> {
  // no connection limit; the simulators' and the cloud's sockets are all on 127.0.0.1
  const broker = await startMosquitto({ dynsec: true, autosaveIntervalS: 60, extraConfig: ['max_connections -1'] });
  const url = new URL(broker.url);
  url.username = broker.adminUsername;
  url.password = broker.adminPassword;
  return { broker, cloudEnv: { SC_MQTT_URL: url.toString(), SC_MQTT_DYNSEC: '1' } };
}
