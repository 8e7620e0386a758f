/**
 * Real `sc-cloud` bin processes (as an operator runs them) for tests of several processes on one
 * database: each with its own data dir and HTTP port, the secrets every process must share, its
 * output kept in memory (tests read its log lines), started once it answers /healthz. One place
 * for this, so the cluster, dead-owner and ingest-crash tests start their clouds the same way.
 * The bin runs the built dist: `npx tsc -b` before these tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { sharedSecretsEnv } from './shared-secrets.js';
import { waitFor } from './wait.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CLOUD_BIN = join(ROOT, 'cloud/bin/sc-cloud.js');

export interface CloudBinProcess {
  child: ChildProcess;
  httpUrl: string;
  /** Everything it wrote on stdout and stderr so far. */
  output: () => string;
  /** Its exit code once it exits (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** True while the process has neither exited nor been ended by a signal. */
export const running = (p: CloudBinProcess): boolean => p.child.exitCode === null && p.child.signalCode === null;

/** Runs the bin with `env` until it exits (SIGKILL after 60 s); resolves with its code and what it wrote. */
export function runCloudBinOnce(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLOUD_BIN], { cwd: ROOT, env: { ...process.env, SC_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, output });
    });
  });
}

/** The cloud processes and temporary dirs of one test file: `cleanup()` in its afterAll kills and removes them all. */
export class CloudBinProcesses {
  /** Every process started, in order (killed ones included). */
  readonly procs: CloudBinProcess[] = [];
  private readonly dirs: string[] = [];

  /** A new temporary dir, removed by cleanup(). */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Starts the bin with the shared secrets of `secretsDir`, a fresh data dir (named from
   * `dataPrefix`), a free HTTP port on 127.0.0.1, info logs, and `env` (the database, the broker,
   * the test's settings) over these; resolves once /healthz answers ok, throws with its output if it exits first.
   */
  async start(opts: { secretsDir: string; dataPrefix: string; env: Record<string, string> }): Promise<CloudBinProcess> {
    const httpPort = await freePort();
    const child = spawn(process.execPath, [CLOUD_BIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...sharedSecretsEnv(opts.secretsDir),
        SC_DATA_DIR: this.tempDir(opts.dataPrefix),
        SC_HTTP_HOST: '127.0.0.1',
        SC_HTTP_PORT: String(httpPort),
        SC_LOG_LEVEL: 'info',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const proc: CloudBinProcess = { child, httpUrl: `http://127.0.0.1:${httpPort}`, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    this.procs.push(proc);
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`sc-cloud exited ${child.exitCode}: ${output}`);
      return fetch(`${proc.httpUrl}/healthz`).then((res) => res.ok, () => false);
    }, 'sc-cloud answering /healthz', 60_000, 100);
    return proc;
  }

  /** SIGKILLs every process still running, waits for all to exit, removes the temporary dirs. */
  async cleanup(): Promise<void> {
    for (const p of this.procs) if (running(p)) p.child.kill('SIGKILL');
    await Promise.all(this.procs.map((p) => p.exited));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
