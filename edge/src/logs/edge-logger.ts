import { createTeeLogger, type Logger } from '@smart-commune/shared/runtime';
import { DEFAULT_LOG_FILE_LIMITS, RotatingLogFile, type LogFileLimits } from './log-file.js';

export interface EdgeLoggerOptions {
  /** Also on stdout (the journal under systemd). Default true; tests turn it off. */
  stdout?: boolean;
  limits?: LogFileLimits;
  /** Default SC_LOG_LEVEL, else info; the config document's `logLevel` changes it live. */
  level?: string;
}

/**
 * The daemon's logger: the same JSON lines as `createLogger('sc-edge')` on stdout, and also in the
 * data dir's rotating log file, which the `logs` command reads.
 */
export function createEdgeLogger(dataDir: string, options: EdgeLoggerOptions = {}): { logger: Logger; file: RotatingLogFile } {
  const file = new RotatingLogFile(dataDir, options.limits ?? DEFAULT_LOG_FILE_LIMITS);
  const logger = createTeeLogger('sc-edge', [file], { stdout: options.stdout, ...(options.level ? { level: options.level } : {}) });
  return { logger, file };
}
