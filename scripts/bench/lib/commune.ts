import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DateTime } from 'luxon';
import { COMMUNE_TIME_ZONE, VI_TAN } from '../../../shared/src/index.js';
import { CloudClient, type EdgeSummary } from '../../../firmware-sim/src/cloud-client.js';
import { ensureProvisioned } from '../../../firmware-sim/src/hamlet-box.js';
import { startDelayProxy, type DelayProxy } from '../../../firmware-sim/src/network/delay-proxy.js';
import { CLOUD_CLI, EDGE_CLI } from '../../../firmware-sim/src/paths.js';
import { startProcess, stopProcesses, type ManagedProcess } from '../../../firmware-sim/src/processes.js';
import type { SimSpeakerStatus } from '../../../firmware-sim/src/speakers/index.js';
import { freePort } from '../../../test-support/ports.js';

const SPEAKERS_MAIN = new URL('../../../firmware-sim/dist/speakers/main.js', import.meta.url).pathname;

export interface BenchHamlet {
  hamletCode: string;
  edgeId: string;
  statusUrl: string;
  skewMs: number;
}

export interface BenchCommune {
  cloud: CloudClient;
  /** The cloud's own HTTP address (no proxy). */
  cloudUrl: string;
  hamlets: BenchHamlet[];
  speakerStatus(hamlet: BenchHamlet): Promise<SimSpeakerStatus>;
  stop(): Promise<void>;
}

export interface BenchCommuneOptions {
  /** Deliberate clock error of each edge, in hamlet order (test-only clock option). */
  skewsMs?: number[];
  /** Random delay on every edge's MQTT traffic, as on a slow rural link. */
  mqttDelayMs?: { min: number; max: number };
  /** The same on every edge's HTTP traffic to the cloud (audio files, the live stream). */
  httpDelayMs?: { min: number; max: number };
  /** Share of chunks lost (and retransmitted) on those delayed links (delay-proxy.ts lossRate). */
  lossRate?: number;
  log?: (line: string) => void;
  /** More environment for the cloud process (e.g. SC_CAP_FEED_POLL_S). */
  cloudEnv?: Record<string, string>;
}

/** The nine hamlets on this machine as separate processes: cloud, nine edge daemons, the loudspeakers in a process of their own. */
export async function startBenchCommune(options: BenchCommuneOptions = {}): Promise<BenchCommune> {
  const log = options.log ?? ((line: string) => console.log(line));
  const root = mkdtempSync(join(tmpdir(), 'sc-bench-'));
  const processes: ManagedProcess[] = [];
  const proxies: DelayProxy[] = [];
  const password = 'bench-admin-password';
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const stop = async () => {
    await stopProcesses(processes.slice().reverse());
    await Promise.all(proxies.map((p) => p.close()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    processes.push(
      startProcess('cloud', CLOUD_CLI, [], { SC_DATA_DIR: join(root, 'cloud'), SC_HTTP_PORT: String(httpPort), SC_MQTT_PORT: String(mqttPort), SC_ADMIN_PASSWORD: password, SC_LOG_LEVEL: 'warn', ...options.cloudEnv }, join(root, 'cloud.log')),
    );
    const cloudUrl = `http://127.0.0.1:${httpPort}`;
    const cloud = new CloudClient(cloudUrl);
    await cloud.waitHealthy();
    await cloud.login('admin', password);

    const speakers = spawn(process.execPath, [SPEAKERS_MAIN, '--hamlets', VI_TAN.hamlets.map((h) => h.code).join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
    processes.push({ name: 'speakers', child: speakers, exited: new Promise((r) => speakers.once('exit', (code) => r(code))) });
    const line = await new Promise<string>((resolve) => createInterface({ input: speakers.stdout! }).once('line', resolve));
    const speakerConfigs = new Map((JSON.parse(line) as { hamlets: { hamlet: string; configs: { statusUrl: string }[] }[] }).hamlets.map((h) => [h.hamlet, h.configs]));

    const boxes = VI_TAN.hamlets.map((h) => ({ hamletCode: h.code, hamletName: h.name, dataDir: join(root, 'edges', h.code) }));
    await Promise.all(boxes.map((box) => ensureProvisioned(cloud, box, cloudUrl)));
    const hamlets: BenchHamlet[] = [];
    for (const [i, box] of boxes.entries()) {
      const configFile = join(box.dataDir, 'edge.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as { edgeId: string; mqttUrl: string };
      let linked: Record<string, unknown> = config;
      if (options.mqttDelayMs) {
        const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: mqttPort, minDelayMs: options.mqttDelayMs.min, maxDelayMs: options.mqttDelayMs.max, lossRate: options.lossRate });
        proxies.push(proxy);
        linked = { ...linked, mqttUrl: `mqtt://127.0.0.1:${proxy.port}` };
      }
      if (options.httpDelayMs) {
        const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: httpPort, minDelayMs: options.httpDelayMs.min, maxDelayMs: options.httpDelayMs.max, lossRate: options.lossRate });
        proxies.push(proxy);
        linked = { ...linked, cloudUrl: `http://127.0.0.1:${proxy.port}` };
      }
      if (linked !== config) writeFileSync(configFile, JSON.stringify(linked));
      const skewMs = options.skewsMs?.[i] ?? 0;
      processes.push(startProcess(`edge ${box.hamletCode}`, EDGE_CLI, ['run', '--data-dir', box.dataDir], { SC_EDGE_TEST_CLOCK_SKEW_MS: String(skewMs), SC_LOG_LEVEL: 'warn' }, join(root, `edge-${box.hamletCode}.log`)));
      hamlets.push({ hamletCode: box.hamletCode, edgeId: config.edgeId, statusUrl: speakerConfigs.get(box.hamletCode)![0]!.statusUrl, skewMs });
    }
    await waitUntil(async () => (await cloud.request<{ edges: EdgeSummary[] }>('GET', '/api/v1/edges?online=true')).edges.length >= hamlets.length, 60_000, 'all nine edges online');
    for (const hamlet of hamlets) {
      const configs = speakerConfigs.get(hamlet.hamletCode)!;
      const put = await cloud.request<{ version: number }>('PUT', `/api/v1/edges/${hamlet.edgeId}/config`, { telemetryIntervalS: 10, radio: { speakers: configs } });
      await waitUntil(
        async () => (await cloud.request<{ reported: { version: number } | null }>('GET', `/api/v1/edges/${hamlet.edgeId}/config`)).reported?.version === put.version,
        30_000,
        `speakers of ${hamlet.hamletCode} configured`,
      );
    }
    const links = [
      options.mqttDelayMs ? `MQTT delayed ${options.mqttDelayMs.min}-${options.mqttDelayMs.max} ms` : '',
      options.httpDelayMs ? `HTTP delayed ${options.httpDelayMs.min}-${options.httpDelayMs.max} ms` : '',
      options.lossRate ? `${options.lossRate * 100} % loss` : '',
    ].filter(Boolean);
    log(`commune ready: 9 edges online${links.length ? `, ${links.join(', ')}` : ''}`);
    return {
      cloud,
      cloudUrl,
      hamlets,
      async speakerStatus(hamlet) {
        return (await (await fetch(hamlet.statusUrl)).json()) as SimSpeakerStatus;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A numeric `--name N` flag, else the environment variable, else the default. */
export function numberArg(name: string, envName: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[envName];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** A moment as the schedules API takes it: local time in the commune, to the second. */
export const localTime = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
