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
