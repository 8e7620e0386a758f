/**
 * One child process of the cluster harness (a cloud, Mosquitto, HAProxy): started with its output in a
 * log file, killed outright (SIGKILL, what a crash or the OOM killer does) or stopped politely, and
 * restarted with the same command. Every child is also killed when the harness's process exits, so an
 * interrupted test or benchmark leaves nothing listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

const running = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export interface ManagedSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here (appended: a restart's output follows the crash's). */
  logFile: string;
  /** Resolves once the process serves (a port answers, /healthz says ok); throws on timeout. */
  ready: () => Promise<void>;
}

export class ManagedProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: ManagedSpec) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.alive) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    hookExit();
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, { env: this.spec.env ?? process.env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    running.add(child);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => running.delete(child));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      void this.exited.then(() => reject(new Error(`${this.spec.name} exited while starting (code ${child.exitCode}, signal ${child.signalCode}): ${this.tail()}`)));
    });
    // after the start, an exit is the caller's business (kill, crash): not an unhandled rejection
    failed.catch(() => undefined);
    await Promise.race([this.spec.ready(), failed]);
  }

  /** SIGKILL: no handler runs, sockets are reset, nothing is flushed. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines of its log: what an error names when it failed. */
  tail(lines = 15): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Polls until check() is truthy; the error names what was awaited. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
