import { mkdirSync } from 'node:fs';
import { edgeHomeLayout, type EdgeHomeLayout } from './layout.js';
import { readJsonFile, writeJsonDurable } from './durable.js';
import {
  healthReportSchema,
  lastFailureSchema,
  SUPERVISOR_ENV,
  SWITCH_EXIT_CODE,
  switchRequestSchema,
  type HealthReport,
  type LastFailure,
  type SwitchRequest,
} from './protocol.js';

/** The daemon's half of the supervisor protocol: health, switch request, last failure. */

export interface SupervisedContext {
  layout: EdgeHomeLayout;
  /** The release version the supervisor started. */
  release: string;
  /** Whether that version is on trial right now. */
  trial: boolean;
}

/** Non-null when the daemon was started by the supervisor (SC_EDGE_HOME and SC_EDGE_RELEASE set). */
export function supervisedContext(env: Record<string, string | undefined> = process.env): SupervisedContext | null {
  const home = env[SUPERVISOR_ENV.home];
  const release = env[SUPERVISOR_ENV.release];
  if (!home || !release) return null;
  return { layout: edgeHomeLayout(home), release, trial: env[SUPERVISOR_ENV.trial] === '1' };
}

/** Writes this version's health file; `facts` are what the daemon sees now. */
export function writeHealth(ctx: SupervisedContext, facts: Omit<HealthReport, 'format' | 'version' | 'pid' | 'at'>, now = Date.now()): HealthReport {
  const report = healthReportSchema.parse({ format: 1, version: ctx.release, pid: process.pid, at: now, ...facts });
  writeJsonDurable(ctx.layout.health(ctx.release), report);
  return report;
}

export function readHealth(layout: EdgeHomeLayout, version: string): HealthReport | null {
  return readJsonFile(layout.health(version), healthReportSchema);
}

/**
 * Asks the supervisor to switch to `version` (already unpacked and verified in releases/<version>).
 * The caller then stops cleanly and exits with SWITCH_EXIT_CODE; the request alone does nothing
 * until the daemon exits, so a daemon that dies first simply restarts and may ask again.
 */
export function requestSwitch(layout: EdgeHomeLayout, request: { version: string; rolloutId: string | null }, now = Date.now()): SwitchRequest {
  const body = switchRequestSchema.parse({ version: request.version, rolloutId: request.rolloutId, requestedAt: now });
  mkdirSync(layout.supervisorDir, { recursive: true });
  writeJsonDurable(layout.switchRequest, body);
  return body;
}

export { SWITCH_EXIT_CODE };

/** The last failed switch not yet reported to the cloud, or null. */
export function unreportedFailure(layout: EdgeHomeLayout): LastFailure | null {
  const failure = readJsonFile(layout.lastFailure, lastFailureSchema);
  return failure && failure.reportedAt === null ? failure : null;
}

/** Marks the failure reported (after the cloud acknowledged it), keeping it on disk for `sc-edge status`. */
export function markFailureReported(layout: EdgeHomeLayout, failure: LastFailure, now = Date.now()): void {
  writeJsonDurable(layout.lastFailure, { ...failure, reportedAt: now });
}
