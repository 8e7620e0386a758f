import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Where the daemon's log file lives in its data dir, and its name (rotated copies add `.1`, `.2` …). */
export const LOG_DIR = 'logs';
export const LOG_FILE = 'sc-edge.log';

export interface LogFileLimits {
  /** A file is rotated once it reaches this size. */
  maxBytes: number;
  /** Files kept in all, the one being written included: the disk used is at most maxBytes × files. */
  files: number;
}

export const DEFAULT_LOG_FILE_LIMITS: LogFileLimits = { maxBytes: 5 * 1024 * 1024, files: 4 };

/** The log files of a data dir, newest first (those that exist). */
export function logFiles(dataDir: string, limits: Pick<LogFileLimits, 'files'> = { files: 64 }): string[] {
  const dir = join(dataDir, LOG_DIR);
  const paths = [join(dir, LOG_FILE)];
  for (let i = 1; i < limits.files; i++) paths.push(join(dir, `${LOG_FILE}.${i}`));
  return paths.filter((p) => existsSync(p));
}

/**
 * A size-bounded, rotating log file that pino writes to beside stdout, so a technician can ask a box
 * for its recent logs from the console even when the journal is not reachable. Writes are
 * synchronous: a line is in the file (the page cache) before the daemon moves on, so a crash loses
 * nothing already logged, and the supervisor can read a failed version's last lines. A write that
 * fails (disk full) is counted and dropped: logging never stops the daemon.
 */
export class RotatingLogFile {
  private fd: number | null = null;
  private size = 0;
  private readonly path: string;
  /** Writes that failed (disk full, directory gone); shown by nobody yet, kept for tests and debugging. */
  failedWrites = 0;

  constructor(
    private readonly dataDir: string,
    private readonly limits: LogFileLimits = DEFAULT_LOG_FILE_LIMITS,
  ) {
    this.path = join(dataDir, LOG_DIR, LOG_FILE);
  }

  /** pino's destination interface: one or more whole lines. */
  write(chunk: string | Buffer): boolean {
    try {
      const fd = this.open();
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      writeSync(fd, bytes);
      this.size += bytes.length;
      if (this.size >= this.limits.maxBytes) this.rotate();
    } catch {
      this.failedWrites++;
      this.closeFd();
    }
    return true;
  }

  close(): void {
    this.closeFd();
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    mkdirSync(join(this.dataDir, LOG_DIR), { recursive: true, mode: 0o750 });
    this.fd = openSync(this.path, 'a+', 0o640);
    this.size = fstatSync(this.fd).size;
    // a power cut may have left half a line: end it, so the next line is whole
    if (this.size > 0) {
      const last = Buffer.alloc(1);
      readSync(this.fd, last, 0, 1, this.size - 1);
      if (last[0] !== 0x0a) {
        writeSync(this.fd, '\n');
        this.size++;
      }
    }
    return this.fd;
  }

  /** `sc-edge.log` → `.1` → `.2` …; the oldest beyond the limit is deleted. Renames only: no copy, no gap. */
  private rotate(): void {
    this.closeFd();
    const at = (i: number) => (i === 0 ? this.path : `${this.path}.${i}`);
    const last = this.limits.files - 1;
    if (last < 1) {
      rmSync(this.path, { force: true });
      return;
    }
    rmSync(at(last), { force: true });
    for (let i = last - 1; i >= 0; i--) if (existsSync(at(i))) renameSync(at(i), at(i + 1));
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already gone
    }
    this.fd = null;
    this.size = 0;
  }
}
