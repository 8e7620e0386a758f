import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ReleasePublicKey } from '@smart-commune/shared';
import { loadEdgeConfig, provision, saveEdgeConfig } from '../edge/src/index.js';
import { installBundle } from '../edge/src/releases/install.js';
import { writeJsonDurable } from '../edge/src/supervisor/durable.js';
import { edgeHomeLayout, type EdgeHomeLayout } from '../edge/src/supervisor/layout.js';

/*
 * A box installed the way a bundle installs it (SC_EDGE_HOME with releases/, data/, keys/, supervisor/),
 * run by the real sc-edge-supervisor (the build, without systemd). Used by the rollout test and
 * scripts/bench/rollout. Its "releases" are small signed bundles whose entry starts this tree's daemon:
 * the versions differ by name, which is what the supervisor, the update module and the cloud act on.
 */

const SUPERVISOR_CLI = fileURLToPath(new URL('../edge/dist/supervisor/cli.js', import.meta.url));
const EDGE_CLI = fileURLToPath(new URL('../edge/dist/cli.js', import.meta.url));

/** The entry of a good version: the sc-edge daemon of this tree (the supervisor runs `node <entry> run`). */
export const DAEMON_ENTRY = `import(${JSON.stringify(pathToFileURL(EDGE_CLI).href)});\n`;
/** The entry of a version that starts but never reports healthy (the supervisor must go back by itself). */
export const NEVER_HEALTHY_ENTRY = `console.log(JSON.stringify({ level: 50, msg: 'cannot open the loudspeaker driver' }));\nsetInterval(() => {}, 1000);\nprocess.on('SIGTERM', () => process.exit(0));\n`;

export interface SupervisedBoxOptions {
  /** The cloud's HTTP API and an admin's bearer token. */
  cloudUrl: string;
  adminToken: string;
  hamletCode: string;
  name: string;
  /** The box reaches the cloud's HTTP through this URL instead (a throttled or cut link). */
  httpUrl?: string;
  publicKeys: ReleasePublicKey[];
  /** The signed bundle of the first version, installed as a technician would. */
  firstBundle: string;
  firstVersion: string;
  healthTimeoutS?: number;
  logLevel?: string;
}

export interface SupervisedBox {
  edgeId: string;
  layout: EdgeHomeLayout;
  supervisor: ChildProcess;
  /** SIGTERM to the supervisor's process group (it stops its daemon), then SIGKILL; removes the home. */
  stop(): Promise<void>;
}

async function api<T>(cloudUrl: string, token: string | null, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${cloudUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function startSupervisedBox(options: SupervisedBoxOptions): Promise<SupervisedBox> {
  const layout = edgeHomeLayout(mkdtempSync(join(tmpdir(), 'sc-box-home-')));
  for (const dir of [layout.releases, layout.data, layout.keys, layout.supervisorDir]) mkdirSync(dir, { recursive: true });
  writeJsonDurable(layout.keysFile, { format: 1, sequence: 0, keys: options.publicKeys });
  const created = await api<{ id: string }>(options.cloudUrl, options.adminToken, 'POST', '/api/v1/edges', { name: options.name, hamletCode: options.hamletCode });
  const token = await api<{ token: string }>(options.cloudUrl, options.adminToken, 'POST', `/api/v1/edges/${created.id}/claim-tokens`);
  await provision({ cloudUrl: options.cloudUrl, token: token.token, dataDir: layout.data });
  if (options.httpUrl) saveEdgeConfig(layout.data, { ...loadEdgeConfig(layout.data), cloudUrl: options.httpUrl });
  await installBundle(options.firstBundle, { layout, publicKeys: options.publicKeys });
  writeJsonDurable(layout.state, { format: 1, current: options.firstVersion, previous: null, trial: null, updatedAt: Date.now() });
  const supervisor = spawn(process.execPath, [SUPERVISOR_CLI, 'run', '--home', layout.home], {
    detached: true, // its own process group, so stopping it takes its daemon too
    stdio: 'ignore',
    env: {
      ...process.env,
      SC_LOG_LEVEL: options.logLevel ?? 'warn',
      SC_SUPERVISOR_HEALTH_TIMEOUT_S: String(options.healthTimeoutS ?? 12),
      SC_SUPERVISOR_CRASH_LIMIT: '2',
    },
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-supervisor.pid!, sig);
      return true;
    } catch {
      return false;
    }
  };
  return {
    edgeId: created.id,
    layout,
    supervisor,
    async stop() {
      if (signal('SIGTERM')) {
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && signal(0 as unknown as NodeJS.Signals)) await new Promise((r) => setTimeout(r, 100));
        signal('SIGKILL');
      }
      rmSync(layout.home, { recursive: true, force: true });
    },
  };
}
