import { execFile } from 'node:child_process';
import { MAINTENANCE_ERRORS, type PowerRequest, type PowerResponse } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { runDoctor } from '../cli/doctor.js';
import { readLogs } from '../logs/log-reader.js';
import type { PlayerStatus } from '../radio/player.js';
import { CommandRefused, type CommandServer } from './commands.js';

/**
 * Exit code of a daemon restarted on request from the console: systemd (`Restart=always`) and the
 * supervisor start the same version again, and it is not a crash. Not 75: that is the supervisor's
 * SWITCH_EXIT_CODE (a switch to a new release); outside the sysexits range (64 … 78) on purpose.
 */
export const EDGE_EXIT_RESTART = 79;

/** An emergency starting within this long counts as on air: a restart or a reboot would cut it. */
export const EMERGENCY_SOON_MS = 2 * 60_000;

/** What a restart or a reboot would cut: an alert (or an emergency-priority item) playing now or starting soon. */
export interface OnAir {
  /** The item's title when playing, else its occurrence id (the queue knows no titles). */
  what: string;
  /** Seconds until it starts; 0 when it plays. */
  startsInS: number;
}

export function emergencyOnAir(status: PlayerStatus, now: number, soonMs = EMERGENCY_SOON_MS): OnAir | null {
  const urgent = (occurrenceId: string, priority: string) => occurrenceId.startsWith('alert:') || priority === 'emergency';
  const { playing } = status;
  if (playing && urgent(playing.occurrenceId, playing.priority)) return { what: playing.title, startsInS: 0 };
  const next = status.queued.find((q) => urgent(q.occurrenceId, q.priority) && q.startAt <= now + soonMs);
  return next ? { what: next.occurrenceId, startsInS: Math.max(0, Math.round((next.startAt - now) / 1000)) } : null;
}

export interface MaintenanceDeps {
  dataDir: string;
  /** edge.json `rebootCommand`. */
  rebootCommand: string[];
  /** The radio player's state and the cloud clock it plans with (for the emergency guard). */
  player: { status(): PlayerStatus };
  cloudNow(): number;
  /** Stops the daemon and exits with EDGE_EXIT_RESTART; absent when the daemon is a library (tests, the demo). */
  restart?: () => void | Promise<void>;
  logger: Logger;
}

function runCommand(argv: string[], timeoutMs: number): Promise<void> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file!, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const code = typeof error.code === 'number' ? `exit ${error.code}` : (error.code ?? error.signal ?? 'failed');
      reject(new CommandRefused(MAINTENANCE_ERRORS.rebootFailed, `"${argv.join(' ')}" failed (${code}): ${(stderr || error.message).trim().slice(-500)}`));
    });
  });
}

/** Refuses over an emergency unless forced; returns what a forced request overrides. */
function guard(deps: MaintenanceDeps, what: string, request: PowerRequest): string | null {
  const onAir = emergencyOnAir(deps.player.status(), deps.cloudNow());
  if (onAir && !request.force) {
    const when = onAir.startsInS === 0 ? 'playing now' : `starting in ${onAir.startsInS} s`;
    throw new CommandRefused(MAINTENANCE_ERRORS.emergencyOnAir, `an emergency alert is on air ("${onAir.what}", ${when}): not doing the ${what}; send it again with force to override`);
  }
  return onAir?.what ?? null;
}

/** The `logs`, `doctor`, `restart` and `reboot` commands (docs/mqtt-api.md, "Remote maintenance"). */
export function registerMaintenanceCommands(commands: CommandServer, deps: MaintenanceDeps): void {
  const { logger } = deps;
  commands.register('logs', (body) => readLogs(deps.dataDir, body));

  commands.register('doctor', async () => {
    const startedAt = Date.now();
    const checks = await runDoctor(deps.dataDir);
    return { checks: checks.slice(0, 64).map((c) => ({ ...c, detail: c.detail.slice(0, 2000) })), startedAt, finishedAt: Date.now() };
  });

  commands.register(
    'restart',
    (body): PowerResponse => {
      if (!deps.restart) throw new CommandRefused(MAINTENANCE_ERRORS.restartUnavailable, 'this daemon was not started by "sc-edge run" and cannot restart itself');
      const overrode = guard(deps, 'restart', body);
      logger.warn({ reason: body.reason, requestedBy: body.requestedBy, force: body.force, overrode }, 'restart requested from the cloud');
      return { at: Date.now(), overrode };
    },
    // the answer leaves first, then the daemon stops cleanly and exits for systemd or the supervisor to start again
    { afterReply: () => void Promise.resolve(deps.restart?.()).catch((err: Error) => logger.error({ err: err.message }, 'restart failed')) },
  );

  commands.register('reboot', async (body): Promise<PowerResponse> => {
    const overrode = guard(deps, 'reboot', body);
    logger.warn({ reason: body.reason, requestedBy: body.requestedBy, force: body.force, overrode, command: deps.rebootCommand }, 'reboot requested from the cloud');
    const at = Date.now();
    // `systemctl reboot` returns once the shutdown is queued: the answer still leaves before systemd stops the daemon
    await runCommand(deps.rebootCommand, 15_000);
    return { at, overrode };
  });
}
