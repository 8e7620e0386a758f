import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { HOST, INTERVAL_S, sleep } from './common.js';

/** The cloud under test as its own process (fresh data dir, free ports on 127.0.0.1), and its log. */

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export interface CloudProcess {
  child: ChildProcess;
  dataDir: string;
  logPath: string;
  httpPort: number;
  mqttPort: number;
  adminPassword: string;
  /** How the process ended (`exited with …`), null while it runs. */
  exit(): string | null;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** cloud/dist/cli.js, or an error saying how to build it. */
export function builtCloudCli(): string {
  const cloudDist = join(ROOT, 'cloud/dist/cli.js');
  if (!existsSync(cloudDist)) throw new Error(`${cloudDist} is missing: run \`npx tsc -b\` first (scripts/bench/fleet does it)`);
  return cloudDist;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** `extraEnv`: more SC_* settings, e.g. SC_MQTT_URL and SC_MQTT_DYNSEC for the cloud on Mosquitto. */
export async function startCloudProcess(cloudDist: string, extraEnv: Record<string, string> = {}): Promise<CloudProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-fleet-'));
  const logPath = join(dataDir, 'cloud.log');
  const httpPort = await freePort();
  let mqttPort = await freePort();
  while (mqttPort === httpPort) mqttPort = await freePort();
  const adminPassword = randomBytes(18).toString('base64url');

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SC_')) env[k] = v;
  Object.assign(env, {
    SC_DATA_DIR: dataDir,
    SC_HTTP_HOST: HOST,
    SC_HTTP_PORT: String(httpPort),
    SC_MQTT_HOST: HOST,
    SC_MQTT_PORT: String(mqttPort),
    SC_ADMIN_PASSWORD: adminPassword,
    SC_LOG_LEVEL: 'warn',
    SC_TELEMETRY_INTERVAL_S: String(INTERVAL_S),
    // every simulated box connects from 127.0.0.1, hundreds at once; in the field each box has an address of its own
    SC_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS: '1000000',
    ...extraEnv,
  });

  const logFd = openSync(logPath, 'a');
  // BENCH_CLOUD_NODE_ARGS: extra node flags for the cloud process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it
  const cloudNodeArgs = (process.env.BENCH_CLOUD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const cloud = spawn(process.execPath, [...cloudNodeArgs, cloudDist], { cwd: ROOT, env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let cloudExit: string | null = null;
  cloud.on('exit', (code, signal) => (cloudExit = `exited with ${signal ?? code}`));

  return {
    child: cloud,
    dataDir,
    logPath,
    httpPort,
    mqttPort,
    adminPassword,
    exit: () => cloudExit,
    stop: async () => {
      if (!cloudExit && cloud.pid) {
        const exited = new Promise<void>((r) => cloud.once('exit', () => r()));
        cloud.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (!cloudExit) cloud.kill('SIGKILL');
      }
    },
  };
}

export function removeCloudData(cloud: CloudProcess): void {
  rmSync(cloud.dataDir, { recursive: true, force: true });
}

/** The sc-cloud service credential's password, which the cloud writes into its data dir. */
export function servicePasswordOf(cloud: CloudProcess): string {
  return readFileSync(join(cloud.dataDir, 'service-password.txt'), 'utf8').trim();
}

export function tailOf(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Counts the cloud's warn/error log lines by message (pino JSON, one object per line). */
export function logSummary(path: string): string[] {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let key = line.slice(0, 100);
    try {
      const obj = JSON.parse(line) as { level?: number; msg?: string };
      key = `${obj.level === 50 ? 'error' : obj.level === 60 ? 'fatal' : obj.level === 40 ? 'warn' : String(obj.level)}: ${obj.msg ?? ''}`;
    } catch {
      // not JSON: keep the raw start of the line
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`);
}
