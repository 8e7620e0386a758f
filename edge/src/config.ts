import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { liveViewSettingsSchema } from './vision/live-view/config.js';
import { DEFAULT_LOG_FILE_LIMITS } from './logs/log-file.js';
import { describeIssues, edgeIdSchema } from '@smart-commune/shared';

/** What `sc-edge provision` writes and `sc-edge run` reads: `edge.json` in the data dir. */
export const edgeConfigSchema = z.object({
  edgeId: edgeIdSchema,
  name: z.string().min(1),
  hamletCode: z.string().min(1),
  cloudUrl: z.string().url(),
  mqttUrl: z.string().regex(/^mqtts?:\/\/[^/]+(:\d+)?\/?$/, 'must be mqtt://host:port or mqtts://host:port'),
  telemetryIntervalS: z.number().int().min(1).max(3600),
  provisionedAt: z.number().int(),
  /** YOLOX-Nano files; SC_MODEL_DIR when absent. */
  modelDir: z.string().min(1).optional(),
  /** The technician's live view on the cabinet LAN; off unless a password is set. */
  liveView: liveViewSettingsSchema.optional(),
  /**
   * What the \`reboot\` command runs, as argv (no shell). The daemon's user needs the right to
   * reboot (a polkit rule, see the operations guide); tests point it at a script.
   */
  rebootCommand: z.array(z.string().min(1).max(500)).min(1).max(16).default(['systemctl', 'reboot']),
  /** The daemon's rotating log file in \`{dataDir}/logs/\`: size of one file and files kept (disk used ≤ maxBytes × files). */
  logFile: z
    .object({
      maxBytes: z.number().int().min(64 * 1024).max(256 * 1024 * 1024).default(DEFAULT_LOG_FILE_LIMITS.maxBytes),
      files: z.number().int().min(1).max(20).default(DEFAULT_LOG_FILE_LIMITS.files),
    })
    .default(DEFAULT_LOG_FILE_LIMITS),
});
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;
/** edge.json as written: the fields with defaults may be left out. */
export type EdgeConfigInput = z.input<typeof edgeConfigSchema>;

/** The box's own secret, kept apart from the config and readable by its owner only (0600). */
export const credentialsSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(16),
  /**
   * The secret before the last rotation. A broker that holds one password per account (Mosquitto)
   * keeps the old one until the cloud hears the box's acknowledgement; when that answer is lost the
   * box is refused with the new one and logs in with this one instead (MqttLink), so a lost
   * acknowledgement never locks the box out.
   */
  previousPassword: z.string().min(16).optional(),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const CONFIG_FILE = 'edge.json';
export const CREDENTIALS_FILE = 'credentials.json';

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError';
}

function readJson<T>(path: string, schema: z.ZodType<T>, what: string): T {
  if (!existsSync(path)) {
    throw new EdgeConfigError(`${what} not found at ${path}: provision the box first with "sc-edge provision --cloud URL --token TOKEN"`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EdgeConfigError(`${what} at ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new EdgeConfigError(`invalid ${what} in ${path}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Writes via a temporary file and rename, so a crash never leaves half a file. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export function loadEdgeConfig(dataDir: string): EdgeConfig {
  return readJson(join(dataDir, CONFIG_FILE), edgeConfigSchema, 'edge config');
}

export function loadCredentials(dataDir: string): Credentials {
  return readJson(join(dataDir, CREDENTIALS_FILE), credentialsSchema, 'edge credentials');
}

export function saveEdgeConfig(dataDir: string, config: EdgeConfigInput): void {
  writeFileAtomic(join(dataDir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, 0o600); // may hold the live-view password
}

export function saveCredentials(dataDir: string, credentials: Credentials): void {
  writeFileAtomic(join(dataDir, CREDENTIALS_FILE), `${JSON.stringify(credentials)}\n`, 0o600);
}

/** A rotation's new credentials, keeping the current secret as the fallback (see previousPassword). */
export function storeRotatedCredentials(dataDir: string, next: { username: string; password: string }): void {
  const current = loadCredentials(dataDir);
  const previousPassword = current.password !== next.password ? current.password : current.previousPassword;
  saveCredentials(dataDir, { username: next.username, password: next.password, ...(previousPassword ? { previousPassword } : {}) });
}

/** The data dir: the flag, else SC_DATA_DIR, else the packaged default. */
export function resolveDataDir(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return flag ?? env.SC_DATA_DIR ?? '/var/lib/smart-commune/edge';
}
