import { z } from 'zod';
import { releaseVersionSchema } from '@smart-commune/shared';

/**
 * The supervisor protocol: what the supervisor and the daemon it runs tell each other through files
 * under SC_EDGE_HOME/supervisor (see layout.ts). Every file is written with writeJsonDurable.
 *
 * - The supervisor runs `node releases/<current>/<entry> run` with the env below.
 * - The daemon writes `health-<version>.json` every HEALTH_EVERY_MS (writeHealth in health.ts).
 * - To switch, the daemon (its update module) unpacks `releases/<v>`, writes `switch-request.json`
 *   (requestSwitch in switch.ts) and exits with SWITCH_EXIT_CODE. The supervisor starts <v> on trial;
 *   <v> must be judged healthy (judgeHealth) within the health timeout, and must not exit
 *   crashLimit times; otherwise the supervisor goes back to the previous version by itself and writes
 *   `last-failure.json`, which the previous version's daemon reports to the cloud when it starts.
 */

/** Exit code of a daemon that asks for a switch (EX_TEMPFAIL): any other exit is a crash or a stop. */
export const SWITCH_EXIT_CODE = 75;
/** How often a daemon rewrites its health file. */
export const HEALTH_EVERY_MS = 5_000;

/** Environment the supervisor gives the daemon it starts. */
export const SUPERVISOR_ENV = {
  /** The box's home (layout.ts); its presence tells the daemon it runs under the supervisor. */
  home: 'SC_EDGE_HOME',
  /** The release version the supervisor started: the name of the health file to write. */
  release: 'SC_EDGE_RELEASE',
  /** "1" while the version is on trial (not yet confirmed healthy). */
  trial: 'SC_EDGE_TRIAL',
} as const;

const epochMs = z.number().int().min(0);

export const trialSchema = z.object({
  version: releaseVersionSchema,
  /** The version running before: the one to go back to. */
  from: releaseVersionSchema,
  rolloutId: z.string().max(128).nullable(),
  requestedAt: epochMs,
  startedAt: epochMs,
  /** Exits of the trial version so far; at crashLimit the supervisor rolls back. */
  crashes: z.number().int().min(0),
});
export type Trial = z.infer<typeof trialSchema>;

/** `state.json`: the one file that says which version runs. */
export const supervisorStateSchema = z.object({
  format: z.literal(1),
  /** The version confirmed working (or installed by hand). */
  current: releaseVersionSchema,
  /** The version before it, kept installed for a manual or automatic return. */
  previous: releaseVersionSchema.nullable(),
  /** A switch in progress: while set, `trial.version` runs and `current` is the way back. */
  trial: trialSchema.nullable(),
  updatedAt: epochMs,
});
export type SupervisorState = z.infer<typeof supervisorStateSchema>;

/** `switch-request.json`, written by the running daemon before it exits with SWITCH_EXIT_CODE. */
export const switchRequestSchema = z.object({
  version: releaseVersionSchema,
  requestedAt: epochMs,
  /** The cloud's rollout this switch belongs to (reported back with a failure); null for a manual switch. */
  rolloutId: z.string().max(128).nullable(),
});
export type SwitchRequest = z.infer<typeof switchRequestSchema>;

const count = z.number().int().min(0).max(10_000);

/** `health-<version>.json`: facts a daemon states about itself; the supervisor judges them (judgeHealth). */
export const healthReportSchema = z.object({
  format: z.literal(1),
  version: releaseVersionSchema,
  pid: z.number().int().positive(),
  startedAt: epochMs,
  at: epochMs,
  /** MQTT link to the cloud up. */
  connected: z.boolean(),
  /** The desired-state documents stored on the box are applied (config, schedule, footage). */
  documentsApplied: z.boolean(),
  loudspeakers: z.object({ total: count, reachable: count }),
  cameras: z.object({ total: count, streaming: count }),
  /** Short notes for people (why a check is false). */
  notes: z.array(z.string().max(300)).max(20).default([]),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export const FAILURE_REASONS = [
  /** the new version did not report healthy within the health timeout */
  'health_timeout',
  /** the new version exited crashLimit times during its trial */
  'crash_loop',
  /** the supervisor (or the box) stopped during the trial before the new version was confirmed */
  'interrupted',
  /** the requested release is missing, incomplete, unsigned or for another product or CPU */
  'invalid_release',
  /** the current release could not start at all (missing or damaged): the previous one runs instead */
  'current_unusable',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** `last-failure.json`: the last switch that did not stick. */
export const lastFailureSchema = z.object({
  format: z.literal(1),
  /** The version that failed. */
  version: z.string().max(64),
  /** The version that runs again. */
  from: releaseVersionSchema,
  rolloutId: z.string().max(128).nullable(),
  reason: z.enum(FAILURE_REASONS),
  /** Human-readable detail: the unmet health checks, the exit codes, the verification error. */
  detail: z.string().max(2000),
  at: epochMs,
  /** The failed version's last output lines (its logs are JSON lines). */
  logTail: z.array(z.string().max(4000)).max(200),
  /** Set by the daemon once the cloud has it, so it is reported once. */
  reportedAt: epochMs.nullable(),
});
export type LastFailure = z.infer<typeof lastFailureSchema>;

/** `child.json`: the daemon process the supervisor started, so a restarted supervisor can stop an orphan. */
export const childRecordSchema = z.object({ pid: z.number().int().positive(), version: z.string().max(64), startedAt: epochMs });
export type ChildRecord = z.infer<typeof childRecordSchema>;

export interface HealthVerdict {
  healthy: boolean;
  /** What is missing, in words for the failure report. */
  unmet: string[];
}

/**
 * Is a version on trial healthy? Its report must be from this trial (written after `since`) and say:
 * connected, documents applied, and as many loudspeakers reachable and cameras streaming as the
 * previous version had (`baseline`, its last health file) or, without a baseline, all of them. A
 * check the previous version itself failed (no link, a dead loudspeaker) is not held against the new one.
 */
export function judgeHealth(report: HealthReport | null, baseline: HealthReport | null, since: number): HealthVerdict {
  if (!report) return { healthy: false, unmet: ['no health report written'] };
  if (report.at < since) return { healthy: false, unmet: ['no health report since the switch'] };
  const unmet: string[] = [];
  if (!report.connected && (baseline?.connected ?? true)) unmet.push('not connected to the cloud');
  if (!report.documentsApplied) unmet.push('documents not applied');
  const speakersNeeded = Math.min(baseline ? baseline.loudspeakers.reachable : report.loudspeakers.total, report.loudspeakers.total);
  if (report.loudspeakers.reachable < speakersNeeded) unmet.push(`loudspeakers reachable ${report.loudspeakers.reachable}/${speakersNeeded}`);
  const camerasNeeded = Math.min(baseline ? baseline.cameras.streaming : report.cameras.total, report.cameras.total);
  if (report.cameras.streaming < camerasNeeded) unmet.push(`cameras streaming ${report.cameras.streaming}/${camerasNeeded}`);
  return { healthy: unmet.length === 0, unmet };
}
