import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * One run of a daemon version: the process, its exit as a promise, and its output passed through to
 * the supervisor's stdout (the journal) and, for a version on trial, kept in a capped log file whose
 * last lines go into last-failure.json (a file, so they survive a power cut during the trial).
 */
export interface DaemonRun {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs: number): Promise<void>;
}

const TRIAL_LOG_MAX_BYTES = 1024 * 1024;

export function startDaemonRun(opts: { node: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string; trialLog: string | null; out?: NodeJS.WritableStream }): DaemonRun {
  const child = spawn(opts.node, opts.args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = opts.out ?? process.stdout;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close' rather than 'exit': the output is fully read (and logged) before anyone looks at the log
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const onLine = (line: string) => {
    out.write(`${line}\n`);
    if (opts.trialLog) appendCapped(opts.trialLog, `${line}\n`);
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  return {
    child,
    startedAt: Date.now(),
    exited,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return void (await exited);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function appendCapped(path: string, text: string): void {
  try {
    appendFileSync(path, text);
    if (statSync(path).size > TRIAL_LOG_MAX_BYTES) {
      const content = readFileSync(path, 'utf8');
      writeFileSync(path, content.slice(content.length - TRIAL_LOG_MAX_BYTES / 2));
    }
  } catch {
    // a full disk must not stop the daemon's output reaching the journal
  }
}

/** The last `n` lines of a log file (empty when there is none). */
export function lastLines(path: string, n: number, maxChars = 4000): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-n)
    .map((l) => (l.length > maxChars ? `${l.slice(0, maxChars - 1)}…` : l));
}

/** Whether `pid` is alive and its command line mentions `needle` (our daemon, not a recycled pid). */
export function isOurProcess(pid: number, needle: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return false;
  }
}
