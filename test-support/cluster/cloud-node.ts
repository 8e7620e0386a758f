/**
 * One `sc-cloud` process of the cluster: the built bin (cloud/dist/cli.js) on its own HTTP port and
 * data dir, sharing the database, broker, object storage and the secrets every process needs
 * (configuration, not each process's first start). Ready when its own /healthz answers 200.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listening, ManagedProcess, until } from './process.js';

export const CLOUD_CLI = fileURLToPath(new URL('../../cloud/dist/cli.js', import.meta.url));

/** cloud/dist/cli.js, or an error saying how to build it. */
export function builtCloudCli(): string {
  if (!existsSync(CLOUD_CLI)) throw new Error(`${CLOUD_CLI} is missing: run \`npx tsc -b\` first (scripts/test and scripts/bench/failover do it)`);
  return CLOUD_CLI;
}

export async function healthy(port: number): Promise<boolean> {
  if (!(await listening(port))) return false;
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

export function cloudProcess(name: string, dir: string, port: number, env: Record<string, string>): ManagedProcess {
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const clean: NodeJS.ProcessEnv = {};
  // the harness's own SC_* never leak into a cloud: each gets exactly the cluster's configuration
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SC_')) clean[k] = v;
  return new ManagedProcess({
    name,
    command: process.execPath,
    args: [builtCloudCli()],
    env: { ...clean, ...env, SC_DATA_DIR: dataDir, SC_HTTP_HOST: '127.0.0.1', SC_HTTP_PORT: String(port) },
    logFile: join(dir, `${name}.log`),
    ready: () => until(`${name} healthy on port ${port}`, () => healthy(port), 60_000, 100),
  });
}
