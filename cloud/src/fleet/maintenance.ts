import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  logLevelName,
  MAINTENANCE_ERRORS,
  MAX_LOG_TEXT_BYTES,
  UNSUPPORTED_COMMAND_CODES,
  type CommandRequest,
  type CommandResponse,
  type DoctorCheck,
  type LogLevelName,
  type LogsRequest,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import { ApiError, conflict } from '../http/errors.js';
import type { CommandClient } from './commands.js';
import type { Edge, EdgeStore } from './edge-store.js';
import type { CloudMetrics } from '../metrics.js';

const gunzipAsync = promisify(gunzip);

/** How long each command may take on the box: reading and gzipping logs, the doctor's network checks, a reboot command. */
const TIMEOUT_MS = { logs: 30_000, doctor: 45_000, restart: 15_000, reboot: 30_000 } as const;

export interface EdgeLogLine {
  /** Box time of the line (pino `time`); null for a line that is not a log entry. */
  at: number | null;
  level: number | null;
  levelName: LogLevelName | null;
  msg: string;
  /** The line exactly as the box wrote it (JSON). */
  text: string;
}

export interface EdgeLogs {
  edgeId: string;
  fetchedAt: number;
  lines: EdgeLogLine[];
  truncated: boolean;
  oldestAt: number | null;
  fileLogging: boolean;
}

export interface EdgeDoctor {
  edgeId: string;
  ok: boolean;
  checks: DoctorCheck[];
  startedAt: number;
  finishedAt: number;
}

export type PowerCommand = 'restart' | 'reboot';

export interface PowerResult {
  edgeId: string;
  command: PowerCommand;
  at: number;
  forced: boolean;
  /** The emergency a forced request went over, as the box named it. */
  overrode: string | null;
}

/** Who asks, for the audit log. */
export interface Requester {
  username: string;
  ip: string | null;
}

function toLine(text: string): EdgeLogLine {
  try {
    const entry = JSON.parse(text) as { time?: unknown; level?: unknown; msg?: unknown };
    const level = typeof entry.level === 'number' ? entry.level : null;
    return {
      at: typeof entry.time === 'number' ? entry.time : null,
      level,
      levelName: level === null ? null : logLevelName(level),
      msg: typeof entry.msg === 'string' ? entry.msg : '',
      text,
    };
  } catch {
    return { at: null, level: null, levelName: null, msg: '', text };
  }
}

/**
 * Remote maintenance of a box: its logs, its doctor checks, restarting its daemon, rebooting it. Each
 * is a command over MQTT (docs/mqtt-api.md); restarts and reboots are audited with their reason,
 * including the refused ones.
 */
export class EdgeMaintenance {
  constructor(
    private readonly deps: { edges: EdgeStore; commands: CommandClient; audit: AuditLog; logger: Logger; metrics?: CloudMetrics },
  ) {}

  async logs(edgeId: string, request: LogsRequest): Promise<EdgeLogs> {
    const answer = await this.send(await this.reachable(edgeId, 'logs'), 'logs', request);
    let text: string;
    try {
      text = (await gunzipAsync(Buffer.from(answer.data, 'base64'), { maxOutputLength: MAX_LOG_TEXT_BYTES })).toString('utf8');
    } catch (err) {
      throw new ApiError(502, 'edge_logs_invalid', `the box's logs could not be unpacked (${(err as Error).message})`);
    }
    const lines = text ? text.split('\n').map(toLine) : [];
    return { edgeId, fetchedAt: Date.now(), lines, truncated: answer.truncated, oldestAt: answer.oldestAt, fileLogging: answer.fileLogging };
  }

  async doctor(edgeId: string): Promise<EdgeDoctor> {
    const answer = await this.send(await this.reachable(edgeId, 'doctor'), 'doctor', {});
    return { edgeId, ok: answer.checks.every((c) => c.ok), ...answer };
  }

  /** Restarts the daemon or reboots the box; refused (409) while an emergency is on air unless forced. */
  async power(edgeId: string, command: PowerCommand, request: { reason: string; force: boolean }, by: Requester): Promise<PowerResult> {
    await this.deps.edges.get(edgeId); // an unknown box is a 404, not an attempt worth auditing
    const audit = (details: Record<string, unknown>) =>
      this.deps.audit.record({ actor: by.username, action: `edge.${command}`, target: `edge:${edgeId}`, details: { reason: request.reason, force: request.force, ...details }, ip: by.ip });
    try {
      const edge = await this.reachable(edgeId, command);
      const answer = await this.send(edge, command, { reason: request.reason, force: request.force, requestedBy: by.username });
      await audit({ outcome: 'done', overrode: answer.overrode });
      this.deps.logger.warn({ edgeId, command, reason: request.reason, force: request.force, by: by.username, overrode: answer.overrode }, `box ${command} requested`);
      return { edgeId, command, at: answer.at, forced: request.force, overrode: answer.overrode };
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'failed';
      await audit({ outcome: code === MAINTENANCE_ERRORS.emergencyOnAir ? 'refused' : 'failed', error: code, message: (err as Error).message });
      throw err;
    }
  }

  /** An active box that is online now: a command to an offline box would only time out. */
  private async reachable(edgeId: string, command: keyof typeof TIMEOUT_MS): Promise<Edge> {
    const edge = await this.deps.edges.get(edgeId);
    if (edge.status !== 'active') throw conflict(`edge ${edgeId} is ${edge.status}`);
    if (!edge.online) {
      this.deps.metrics?.edgeMaintenance.inc({ command, outcome: 'offline' });
      throw new ApiError(409, 'edge_offline', `the box "${edge.name}" is offline (${edge.offlineReason ?? 'no connection'}): it can only answer once it is connected again`);
    }
    return edge;
  }

  /** Sends a command, counts its outcome, and turns the box's refusals into errors a technician can act on. */
  private async send<C extends keyof typeof TIMEOUT_MS>(edge: Edge, command: C, body: CommandRequest<C>): Promise<CommandResponse<C>> {
    try {
      const answer = await this.sendRaw(edge, command, body);
      this.deps.metrics?.edgeMaintenance.inc({ command, outcome: 'done' });
      return answer;
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'failed';
      const outcome = code === MAINTENANCE_ERRORS.emergencyOnAir ? 'refused' : code === 'edge_unsupported' ? 'unsupported' : code === 'edge_timeout' ? 'timeout' : 'failed';
      this.deps.metrics?.edgeMaintenance.inc({ command, outcome });
      throw err;
    }
  }

  private async sendRaw<C extends keyof typeof TIMEOUT_MS>(edge: Edge, command: C, body: CommandRequest<C>): Promise<CommandResponse<C>> {
    const version = edge.telemetry?.softwareVersion ?? null;
    try {
      return await this.deps.commands.send(edge.id, command, body, TIMEOUT_MS[command]);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const refusal = err.code === 'edge_error' ? (err.details as { code?: string; message?: string } | undefined) : undefined;
      if (refusal?.code && UNSUPPORTED_COMMAND_CODES.includes(refusal.code)) {
        throw new ApiError(409, 'edge_unsupported', `this box's version (${version ?? 'unknown'}) does not support "${command}": update the box's software to use it`, { command, softwareVersion: version });
      }
      if (refusal?.code === MAINTENANCE_ERRORS.emergencyOnAir) throw new ApiError(409, MAINTENANCE_ERRORS.emergencyOnAir, refusal.message ?? err.message, { command });
      if (refusal?.code) throw new ApiError(502, refusal.code, refusal.message ?? err.message, { command });
      if (err.code === 'edge_timeout') {
        // boxes released before remote maintenance drop a command they do not know without answering
        throw new ApiError(504, 'edge_timeout', `${err.message}; a box older than remote maintenance does not answer "${command}" at all (this box reports version ${version ?? 'unknown'})`, { command, softwareVersion: version });
      }
      throw err;
    }
  }
}
