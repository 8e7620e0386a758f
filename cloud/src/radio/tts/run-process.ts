import { spawn } from 'node:child_process';

export interface ProcessResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the process's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

/** A command that could not be started, exited with an error or ran out of time; `stderr` holds its last words. */
export class ProcessFailed extends Error {
  override name = 'ProcessFailed';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    reason: string,
  ) {
    super(`${command} ${reason}${stderr ? `: ${lastLines(stderr)}` : ''}`);
  }
}

export const lastLines = (text: string, count = 3) => text.trim().split('\n').slice(-count).join(' | ');

/** Runs a program with an argument array (never through a shell) and collects its output. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  const { input, timeoutMs = 10 * 60_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // a program that exits without reading its input makes the write fail with EPIPE; its exit code tells the story
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = err.code === 'ENOENT' ? 'is not installed (command not found)' : `could not be started (${err.message})`;
      reject(new ProcessFailed(command, null, '', reason));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (timedOut) reject(new ProcessFailed(command, code, result.stderr, `did not finish within ${Math.round(timeoutMs / 1000)} s`));
      else if (code !== 0) reject(new ProcessFailed(command, code, result.stderr, `exited with code ${code}`));
      else resolve(result);
    });
  });
}
