/**
 * Several sc-cloud processes behind HAProxy, sharing PostgreSQL, Mosquitto and S3, all on 127.0.0.1 in
 * one temporary directory: the harness of the failover test, scripts/bench/failover and
 * `SC_DEMO_SCALE=province scripts/demo`. Any part can be killed outright (SIGKILL) and restarted on
 * the same port; stop() stops everything and removes the directory (kept with keepDir, for its logs).
 *
 *   const cluster = await startCluster({ clouds: 2 });
 *   await fetch(`${cluster.httpUrl}/healthz`);          // through HAProxy
 *   await cluster.clouds[0]!.kill(); await cluster.clouds[0]!.start();
 *   await cluster.stop();
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { freePort } from '../ports.js';
import { startPostgres, type PostgresCluster } from '../postgres.js';
import { cloudProcess } from './cloud-node.js';
import { haproxyProcess, haproxyServerStates } from './haproxy.js';
import { startMosquitto } from '../../cloud/src/broker/testing/mosquitto.js';
import type { ManagedProcess } from './process.js';
import { startClusterS3, type ClusterS3 } from './s3.js';

export interface ClusterOptions {
  /** Cloud processes (default 2). */
  clouds?: number;
  /** More configuration for every cloud (e.g. SC_TELEMETRY_INTERVAL_S, SC_LOG_LEVEL). */
  env?: Record<string, string>;
  /** Where to put everything (default a new directory under the system's temp dir). */
  dir?: string;
  /** Leave the directory (logs, configs) after stop(). */
  keepDir?: boolean;
  /** HAProxy's port (default: a free one); the demo takes SC_HTTP_PORT. */
  httpPort?: number;
  /** Say what starts (the demo and the benchmark). */
  log?: (line: string) => void;
}

export interface Cluster {
  dir: string;
  /** HAProxy's frontend: what clients, consoles and boxes use. */
  httpUrl: string;
  /** Each cloud directly (for checks that must reach one process, e.g. "through the other one"). */
  cloudUrls: string[];
  clouds: ManagedProcess[];
  /** Mosquitto with dynamic security (cloud/src/broker/testing/mosquitto.ts): kill() is SIGKILL, start() brings it back on its port and files. */
  mosquitto: Restartable;
  haproxy: ManagedProcess;
  /** The broker as the clouds reach it (the cloud's dynsec admin account in it). */
  mqttUrl: string;
  /** The broker as boxes reach it (no credential: each box logs in with its own). */
  mqttPublicUrl: string;
  databaseUrl: string;
  postgres: PostgresCluster;
  s3: ClusterS3;
  adminPassword: string;
  /** Each cloud's state as HAProxy's health checks see it: { cloud1: 'UP', cloud2: 'DOWN' }. */
  backendStates(): Promise<Record<string, string>>;
  /** Resident memory of each running cloud process, in MiB (from /proc), null for one that is down. */
  cloudRssMiB(): (number | null)[];
  stop(): Promise<void>;
}

/** A part of the cluster that can be killed outright and started again. */
export interface Restartable {
  readonly pid: number | null;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.clouds ?? 2;
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sc-cluster-'));
  const started: { stop(): unknown }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await Promise.resolve(part.stop()).catch(() => undefined);
    started.length = 0;
    if (!options.keepDir && !options.dir && process.env.SC_CLUSTER_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    const postgres = await startPostgres();
    started.push(postgres);
    // an empty database: the first cloud migrates it (under the migrations' advisory lock)
    const databaseUrl = await postgres.createDatabase();
    log(`PostgreSQL on port ${postgres.port}`);

    // Debian's Mosquitto with the dynamic security plugin: the clouds keep one account per box in it
    // (SC_MQTT_DYNSEC=1); a box's QoS 1 backlog while a cloud reconnects is kept, not dropped
    const broker = await startMosquitto({ extraConfig: ['max_queued_messages 100000'] });
    started.push(broker);
    const mqttPort = broker.port;
    const mosquitto: Restartable = {
      get pid() {
        return broker.pid() || null;
      },
      kill: () => broker.kill(),
      start: () => broker.restart(),
      stop: () => broker.stop(),
    };
    log(`Mosquitto (dynamic security) on port ${mqttPort}`);

    const s3 = await startClusterS3(dir);
    started.push(s3);
    log(`S3 (s3rver) at ${s3.env.SC_S3_ENDPOINT}`);

    const httpPort = options.httpPort ?? (await freePort());
    const statsPort = await freePort();
    const cloudPorts: number[] = [];
    while (cloudPorts.length < count) {
      const port = await freePort();
      if (![httpPort, statsPort, mqttPort, ...cloudPorts].includes(port)) cloudPorts.push(port);
    }
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const adminPassword = randomBytes(18).toString('base64url');
    // the cloud's account on the broker: dynsec admin and all of sc/#
    const mqttUrl = `mqtt://${broker.adminUsername}:${encodeURIComponent(broker.adminPassword)}@127.0.0.1:${mqttPort}`;
    const mqttPublicUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const vapid = webpush.generateVAPIDKeys();
    // one evidence signing key for every process: the cloud reads it, never generates it, with SC_DATABASE_URL
    const signingKey = join(dir, 'export-signing.pem');
    writeFileSync(signingKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // what every process must share, from configuration (issue 11): not each one's own first start
    const env: Record<string, string> = {
      SC_DATABASE_URL: databaseUrl,
      SC_MQTT_URL: mqttUrl,
      SC_MQTT_DYNSEC: '1',
      // the broker deals each box message to one process of the group (shared subscriptions)
      SC_MQTT_SHARE_GROUP: 'sc-cloud',
      SC_MQTT_PUBLIC_URL: mqttPublicUrl,
      SC_PUBLIC_URL: httpUrl,
      SC_ALLOWED_HOSTS: `127.0.0.1:${httpPort}`,
      SC_ADMIN_PASSWORD: adminPassword,
      SC_SECRET_KEY: randomBytes(32).toString('base64'),
      SC_EXPORT_SIGNING_KEY_FILE: signingKey,
      SC_VAPID_PUBLIC_KEY: vapid.publicKey,
      SC_VAPID_PRIVATE_KEY: vapid.privateKey,
      // HAProxy's X-Forwarded-For is believed from it alone
      SC_TRUSTED_PROXIES: '127.0.0.1',
      SC_LOG_LEVEL: 'warn',
      ...s3.env,
      ...options.env,
    };
    const clouds = cloudPorts.map((port, i) => cloudProcess(`cloud${i + 1}`, dir, port, env));
    // one after the other: the first migrates the database and creates the admin and the signing key
    for (const [i, cloud] of clouds.entries()) {
      await cloud.start();
      started.push({ stop: () => cloud.stop() });
      log(`${cloud.spec.name} (pid ${cloud.pid}) on port ${cloudPorts[i]}`);
    }

    const haproxy = haproxyProcess(dir, httpPort, statsPort, clouds.map((c, i) => ({ name: c.spec.name, port: cloudPorts[i]! })));
    await haproxy.start();
    started.push({ stop: () => haproxy.stop() });
    const backendStates = () => haproxyServerStates(statsPort);
    // ready when HAProxy's own checks see every cloud up
    const deadline = Date.now() + 15_000;
    while (Object.values(await backendStates()).filter((s) => s === 'UP').length < count) {
      if (Date.now() > deadline) throw new Error(`HAProxy did not see the clouds up: ${JSON.stringify(await backendStates())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`HAProxy at ${httpUrl} (stats http://127.0.0.1:${statsPort}/stats) in front of ${count} clouds`);

    return {
      dir,
      httpUrl,
      cloudUrls: cloudPorts.map((p) => `http://127.0.0.1:${p}`),
      clouds,
      mosquitto,
      haproxy,
      mqttUrl,
      mqttPublicUrl,
      databaseUrl,
      postgres,
      s3,
      adminPassword,
      backendStates,
      cloudRssMiB: () => clouds.map((c) => (c.alive && c.pid ? rssMiB(c.pid) : null)),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}
