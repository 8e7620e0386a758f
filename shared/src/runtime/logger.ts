import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs on stdout (or the given destination); level from SC_LOG_LEVEL unless given. */
export function createLogger(name: string, options: LoggerOptions = {}, destination?: NodeJS.WritableStream): Logger {
  const level = options.level ?? process.env.SC_LOG_LEVEL ?? 'info';
  const merged: LoggerOptions = { name, level, base: { pid: process.pid }, ...options };
  return destination ? pino(merged, destination) : pino(merged);
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A destination pino can write whole lines to (a file of the caller's, a test's buffer). */
export interface LineSink {
  write(chunk: string): unknown;
}

/**
 * The same JSON lines on stdout (unless `stdout: false`) and on each given sink: the edge daemon's
 * logs go to the journal and to its own rotating file. Every sink takes every level, so the
 * logger's level (which may change live) alone decides what is written. Synchronous like pino's
 * default stdout, so the lines just before an exit (a restart on request) are not lost.
 */
export function createTeeLogger(name: string, sinks: LineSink[], options: LoggerOptions & { stdout?: boolean } = {}): Logger {
  const { stdout = true, ...rest } = options;
  const level = rest.level ?? process.env.SC_LOG_LEVEL ?? 'info';
  const streams: pino.StreamEntry[] = sinks.map((stream) => ({ level: 'trace', stream: stream as pino.DestinationStream }));
  if (stdout) streams.push({ level: 'trace', stream: pino.destination({ fd: 1, sync: true }) });
  return pino({ name, level, base: { pid: process.pid }, ...rest }, pino.multistream(streams));
}
