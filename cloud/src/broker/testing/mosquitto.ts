/**
 * A real Mosquitto for tests and benchmarks: Debian's mosquitto 2 on 127.0.0.1 and a free port, in
 * a temporary directory, with the dynamic security plugin and one admin account for the cloud.
 *
 *   const broker = await startMosquitto();
 *   … connect the cloud with SC_MQTT_URL=broker.url and broker.adminUsername / adminPassword …
 *   await broker.kill();     // SIGKILL, as a crash
 *   await broker.restart();  // same port, same persistence and dynsec file
 *   await broker.stop();     // SIGTERM, then removes the directory
 *
 * The admin account may administer dynamic security ($CONTROL/dynamic-security/#), publish,
 * subscribe and receive under sc/# (also as shared subscriptions $share/<group>/sc/…) and read
 * $SYS/#. Anonymous clients are refused; the default ACL access denies everything but
 * unsubscribing, so every other account gets only what its roles grant.
 *
 * Persistence is on: retained messages (and persistent sessions) survive stop()/restart(). The
 * broker writes its persistence file on a clean stop and every `autosaveIntervalS` seconds, so
 * after kill() what changed in the last interval is lost, as on a real broker. The dynsec plugin
 * writes its JSON file after every change, so accounts survive kill() too.
 *
 * Needs Debian's `mosquitto` package (scripts/test and the benchmarks install it through
 * scripts/lib/setup.sh). A broker left by a test process that was killed outright is stopped by the
 * next start (its directory names its owner process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PAYLOAD_BYTES } from '@smart-commune/shared';
import { freePort } from '../../../../test-support/ports.js';
import type { BoxAccount } from '../../fleet/device-credentials.js';
import { buildDynsecFile } from '../mosquitto/dynsec-file.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface MosquittoOptions {
  /** false: no dynamic security and anonymous clients allowed (a bare broker to compare against). Default true. */
  dynsec?: boolean;
  /** Seconds between persistence saves (mosquitto's autosave_interval). Default 1. */
  autosaveIntervalS?: number;
  /**
   * Box accounts the broker starts with (written into its dynsec file, as `sc-cloud dynsec-file`
   * does for a province): a benchmark pre-provisions thousands without the per-command file rewrite.
   */
  boxes?: readonly BoxAccount[];
  /** More mosquitto.conf lines (e.g. 'max_connections 20000', 'message_size_limit 262144'). */
  extraConfig?: string[];
}

export interface RestartOptions {
  /**
   * true: the broker comes back with a dynsec file holding only the admin account, as a broker
   * that lost its accounts (to prove the cloud's reconcile). Retained messages are kept.
   */
  emptyDynsec?: boolean;
}

export interface TestMosquitto {
  /** mqtt://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The cloud's account: dynsec admin and read/write of sc/#. */
  adminUsername: string;
  adminPassword: string;
  /** The temporary directory: mosquitto.conf, dynamic-security.json, mosquitto.db, mosquitto.log. */
  dir: string;
  /** The running broker's process id (changes on restart). */
  pid(): number;
  /** The broker's log so far (for a failing test's message). */
  log(): string;
  /** SIGTERM (persistence saved), waits for the exit, removes the directory. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, waits for the exit; the directory stays for restart(). */
  kill(): Promise<void>;
  /** Stops the running broker if any (SIGTERM) and starts it again on the same port and files. */
  restart(options?: RestartOptions): Promise<void>;
}

const ADMIN_USERNAME = 'sc-cloud-admin';
const STARTUP_TIMEOUT_MS = 10_000;

/** Starts a broker; about 50 ms once the binary is cached. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestMosquitto> {
  if (!existsSync(MOSQUITTO_BIN)) {
    throw new Error(`${MOSQUITTO_BIN} is missing: apt-get install mosquitto (scripts/lib/setup.sh installs it for scripts/test)`);
  }
  const dynsec = options.dynsec ?? true;
  if (dynsec && !existsSync(DYNSEC_PLUGIN)) throw new Error(`the dynamic security plugin ${DYNSEC_PLUGIN} is missing (Debian's mosquitto 2 package ships it)`);
  reapOrphans();
  const dir = mkdtempSync(join(tmpdir(), 'sc-mosquitto-'));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const port = await freePort();
  const adminPassword = randomBytes(18).toString('base64url');
  const dynsecPath = join(dir, 'dynamic-security.json');
  const logPath = join(dir, 'mosquitto.log');
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, config({ dir, port, dynsec, dynsecPath, logPath, options }));
  if (dynsec) writeFileSync(dynsecPath, dynsecFile(ADMIN_USERNAME, adminPassword, options.boxes));

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let removed = false;

  const launch = async () => {
    const proc = spawn(MOSQUITTO_BIN, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child = proc;
    // the next start's reapOrphans() kills this broker if our process dies without its exit handler
    writeFileSync(join(dir, 'broker.pid'), String(proc.pid ?? 0));
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const early = exited.then(() => {
      throw new Error(`mosquitto exited at start: ${stderr || readLog()}`);
    });
    early.catch(() => undefined);
    await Promise.race([waitForPort(port, STARTUP_TIMEOUT_MS), early]);
  };
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const end = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    await exited;
    child = null;
  };
  // a test process that exits without stop() still ends its broker and removes its files
  const onExit = () => {
    const proc = child as ChildProcess | null;
    proc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  try {
    await launch();
  } catch (err) {
    await end('SIGKILL');
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    adminUsername: ADMIN_USERNAME,
    adminPassword,
    dir,
    pid: () => child?.pid ?? 0,
    log: readLog,
    async stop() {
      await end('SIGTERM');
      if (removed) return;
      removed = true;
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await end('SIGKILL');
    },
    async restart(restartOptions: RestartOptions = {}) {
      if (removed) throw new Error('this Mosquitto was stopped and its directory removed; start a new one');
      await end('SIGTERM');
      if (restartOptions.emptyDynsec && dynsec) writeFileSync(dynsecPath, dynsecFile(ADMIN_USERNAME, adminPassword));
      await launch();
    },
  };
}

function config(p: { dir: string; port: number; dynsec: boolean; dynsecPath: string; logPath: string; options: MosquittoOptions }): string {
  const lines = [
    `# written by cloud/src/broker/testing/mosquitto.ts`,
    'per_listener_settings false',
    // started as root (CI containers), mosquitto would drop to the `mosquitto` account, which cannot
    // read our private temporary directory; a test broker keeps the test's own account
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    `listener ${p.port} 127.0.0.1`,
    `allow_anonymous ${p.dynsec ? 'false' : 'true'}`,
    'persistence true',
    `persistence_location ${p.dir}/`,
    'persistence_file mosquitto.db',
    `autosave_interval ${p.options.autosaveIntervalS ?? 1}`,
    `log_dest file ${p.logPath}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    'max_keepalive 65535',
    // the contract's payload cap (MAX_PAYLOAD_BYTES) plus 4 KiB for topic and header, as the embedded
    // broker's packet guard and docs/operations.md's mosquitto.conf: a larger packet closes the connection
    `max_packet_size ${MAX_PAYLOAD_BYTES + 4096}`,
  ];
  if (p.dynsec) lines.push(`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${p.dynsecPath}`);
  lines.push(...(p.options.extraConfig ?? []));
  return lines.join('\n') + '\n';
}

/**
 * The dynamic security plugin's file with the cloud's admin client (and, pre-provisioned, the given
 * boxes' accounts), written as `sc-cloud dynsec-file` writes it (broker/mosquitto/dynsec-file.ts)
 * so the admin's role is exactly what the cloud needs and the defaults deny.
 */
export function dynsecFile(username: string, password: string, boxes: readonly BoxAccount[] = []): string {
  return JSON.stringify(buildDynsecFile({ accounts: boxes, admin: { username, password } }).config, null, 2);
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** Brokers of test processes that died without cleaning up: their owner is gone. */
function reapOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('sc-mosquitto-')) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || alive(owner)) continue;
    const pidFile = join(dir, 'broker.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
