import { z } from 'zod';
import { MAX_PAYLOAD_BYTES } from '../protocol.js';
import { epochMs } from '../time.js';

/**
 * Remote maintenance of a box (issue 15, "Remote logs and diagnostics"): its recent logs, its
 * `doctor` checks, restarting the daemon and rebooting the box. Bodies of the `logs`, `doctor`,
 * `restart` and `reboot` commands (commands.ts).
 */

/** pino's level names and numbers, as written in each log line's `level`. */
export const logLevelNames = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevelName = (typeof logLevelNames)[number];
export const LOG_LEVEL_VALUES: Readonly<Record<LogLevelName, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The name of a pino level number (35 → 'info': a custom level counts as the one below it). */
export function logLevelName(value: number): LogLevelName {
  let name: LogLevelName = 'trace';
  for (const level of logLevelNames) if (value >= LOG_LEVEL_VALUES[level]) name = level;
  return name;
}

export const MAX_LOG_LINES = 5000;
/**
 * The gzip of the lines, in base64, must fit one MQTT message with room for the envelope: the box
 * drops the oldest lines until it does (and says so with `truncated`).
 */
export const MAX_LOG_DATA_CHARS = MAX_PAYLOAD_BYTES - 16 * 1024;
/** The cloud refuses to inflate more than this (a gzip bomb from a compromised box stops here). */
export const MAX_LOG_TEXT_BYTES = 8 * 1024 * 1024;

/** `logs` request: the last `lines` lines at `minLevel` or above, within [from, to) when given. */
export const logsRequestSchema = z.object({
  lines: z.number().int().min(1).max(MAX_LOG_LINES).default(200),
  minLevel: z.enum(logLevelNames).default('info'),
  from: epochMs.nullable().default(null),
  to: epochMs.nullable().default(null),
});
export type LogsRequest = z.infer<typeof logsRequestSchema>;

export const logsResponseSchema = z.object({
  /** The matching lines, oldest first, one JSON object each, joined by "\n", gzipped, in base64. */
  encoding: z.literal('gzip-base64'),
  data: z.string().max(MAX_LOG_DATA_CHARS),
  lineCount: z.number().int().nonnegative().max(MAX_LOG_LINES),
  /** More matching lines exist before the first one sent (the line count or the size cut them). */
  truncated: z.boolean(),
  /** Time of the oldest line the box still holds (its log files rotate): how far back one can ask. */
  oldestAt: epochMs.nullable(),
  /** False when the box writes no log file (started without one): nothing can be sent. */
  fileLogging: z.boolean(),
});
export type LogsResponse = z.infer<typeof logsResponseSchema>;

/** One check of `sc-edge doctor`, as the command line prints it. */
export const doctorCheckSchema = z.object({
  id: z.string().min(1).max(64),
  vi: z.string().max(200),
  en: z.string().max(200),
  ok: z.boolean(),
  detail: z.string().max(2000),
});
export type DoctorCheck = z.infer<typeof doctorCheckSchema>;

export const doctorResponseSchema = z.object({
  checks: z.array(doctorCheckSchema).max(64),
  startedAt: epochMs,
  finishedAt: epochMs,
});

/**
 * `restart` and `reboot` requests. The reason is required (it is logged on the box and audited in
 * the cloud); `force` overrides the refusal while an emergency alert plays or is about to.
 */
export const powerRequestSchema = z.object({
  reason: z.string().trim().min(3).max(500),
  force: z.boolean().default(false),
  /** Who asked (the person's username), for the box's own log. */
  requestedBy: z.string().max(100),
});
export type PowerRequest = z.infer<typeof powerRequestSchema>;

export const powerResponseSchema = z.object({
  /** Box time the restart or the reboot command began. */
  at: epochMs,
  /** The emergency alert that was on air (or about to be) when a forced request went through; null when none. */
  overrode: z.string().max(200).nullable(),
});
export type PowerResponse = z.infer<typeof powerResponseSchema>;

/** Error codes of a refused maintenance command (`{ok: false, error: {code}}`). */
export const MAINTENANCE_ERRORS = {
  /** An emergency alert plays or starts soon; send again with `force` to override. */
  emergencyOnAir: 'emergency_on_air',
  /** The reboot command on the box failed (it names the command and its error). */
  rebootFailed: 'reboot_failed',
  /** The daemon runs without a way to restart itself (library use, not `sc-edge run`). */
  restartUnavailable: 'restart_unavailable',
} as const;

/** Error codes meaning "this box's software does not know the command" (older boxes). */
export const UNSUPPORTED_COMMAND_CODES: readonly string[] = ['unsupported', 'unknown_command'];
