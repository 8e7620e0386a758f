import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The GStreamer RTSP server script (firmware-sim/gst/rtsp-server.py), from src/ and from dist/. */
export const RTSP_SERVER_SCRIPT = fileURLToPath(new URL('../../gst/rtsp-server.py', import.meta.url));

/** Debian's Python, which has python3-gi; $SC_GST_PYTHON overrides. */
export function defaultPython(): string {
  return process.env.SC_GST_PYTHON ?? '/usr/bin/python3';
}

export interface RtspProcessOptions {
  python: string;
  file: string;
  host: string;
  /** 0 picks a free port (read back from the server). */
  port: number;
  path: string;
  /** Seconds into the clip where the stream begins. */
  start: number;
  /** When set, RTSP requires Digest authentication with these credentials. */
  auth: { username: string; password: string } | null;
  stalled: boolean;
  log: (line: string) => void;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort against orphans when the Node process exits without stopping its cameras. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * One run of the GStreamer RTSP server. It also dies with its parent: it exits when its stdin closes
 * and has PR_SET_PDEATHSIG set to SIGKILL.
 */
export class RtspProcess {
  readonly child: ChildProcess;
  /** Resolves once the process has exited (code, or signal name). */
  readonly exited: Promise<number | string>;
  private stopping = false;
  /** Waiters for the acknowledgements of commands, in the order the commands were sent. */
  private readonly acks: (() => void)[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      child.once('error', (err) => {
        if (child.pid === undefined) resolve(`spawn failed: ${err.message}`);
      });
    });
    void this.exited.then(() => live.delete(child));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the server and resolves with the bound port once it accepts clients. */
  static async start(o: RtspProcessOptions, onExit: (code: number | string, expected: boolean) => void): Promise<{ process: RtspProcess; port: number }> {
    installExitHook();
    const args = [RTSP_SERVER_SCRIPT, '--file', o.file, '--host', o.host, '--port', String(o.port), '--path', o.path, '--start', String(o.start)];
    const env: NodeJS.ProcessEnv = { ...process.env, GST_DEBUG_NO_COLOR: '1' };
    if (o.auth) {
      args.push('--username', o.auth.username);
      env.SC_RTSP_PASSWORD = o.auth.password; // not on the command line, where ps shows it
    }
    if (o.stalled) args.push('--stalled');
    const child = spawn(o.python, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    live.add(child);
    const proc = new RtspProcess(child);
    child.stdin?.on('error', () => undefined); // EPIPE when it died first
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => o.log(`rtsp: ${l}`)));

    let lastError = '';
    const ready = new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        let msg: { event?: string; port?: number; message?: string };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          o.log(`rtsp: ${line}`);
          return;
        }
        if (msg.event === 'ready' && typeof msg.port === 'number') resolve(msg.port);
        else if (msg.event === 'ack') proc.acks.shift()?.();
        else if (msg.event === 'error') {
          lastError = msg.message ?? 'unknown error';
          o.log(`rtsp error: ${lastError}`);
        }
      });
      child.once('error', reject); // e.g. python not found
      void proc.exited.then((code) => reject(new Error(`RTSP server exited (${code}) before it was ready${lastError ? `: ${lastError}` : ''}`)));
    });
    const timeout = setTimeout(() => {
      lastError ||= 'not ready within 20 s';
      child.kill('SIGKILL');
    }, 20_000);
    try {
      const port = await ready;
      void proc.exited.then((code) => onExit(code, proc.stopping));
      return { process: proc, port };
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Sends a command; resolves once the server has applied it (or has exited). */
  command(command: { cmd: 'stall' | 'resume' } | { cmd: 'password'; password: string }): Promise<void> {
    if (!this.running) return Promise.resolve();
    const applied = new Promise<void>((resolve) => this.acks.push(resolve));
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
    return Promise.race([applied, this.exited.then(() => undefined)]);
  }

  /** SIGTERM, SIGKILL after the grace period; resolves once it has exited. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
