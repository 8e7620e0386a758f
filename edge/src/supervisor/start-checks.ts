import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import { releaseVersionSchema } from '@smart-commune/shared';
import { isOurProcess } from './child.js';
import { readJsonFile, writeJsonDurable } from './durable.js';
import type { EdgeHomeLayout } from './layout.js';
import { childRecordSchema, type SupervisorState } from './protocol.js';

/*
 * What the supervisor settles before it starts a daemon, whatever the last stop left: a daemon still
 * running from a supervisor killed alone, or a home without state.json.
 */

export class SupervisorStartError extends Error {
  override name = 'SupervisorStartError';
}

/** A daemon left running by a supervisor that was killed alone: stop it before starting another on the same data. */
export function reapOrphanDaemon(layout: EdgeHomeLayout, log: Logger): void {
  const record = (() => {
    try {
      return readJsonFile(layout.child, childRecordSchema);
    } catch {
      return null;
    }
  })();
  if (!record || record.pid === process.pid || !isOurProcess(record.pid, layout.releases)) return;
  log.warn({ pid: record.pid, version: record.version }, 'a daemon of the previous supervisor is still running: stopping it');
  try {
    process.kill(record.pid, 'SIGKILL');
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (isOurProcess(record.pid, layout.releases) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

/** No state.json: a home set up before the supervisor, or state lost. Take the supervisor's own release, else the only one. */
export function inferState(layout: EdgeHomeLayout, log: Logger): SupervisorState {
  let version: string | null = null;
  try {
    version = basename(readlinkSync(layout.program));
  } catch {
    const releases = existsSync(layout.releases) ? readdirSync(layout.releases).filter((n) => releaseVersionSchema.safeParse(n).success) : [];
    if (releases.length === 1) version = releases[0]!;
  }
  if (!version || !existsSync(layout.releaseDir(version))) {
    throw new SupervisorStartError(`no ${layout.state} and no single release to start: install a bundle first with "sc-edge-supervisor install BUNDLE --keys KEYS"`);
  }
  const state: SupervisorState = { format: 1, current: version, previous: null, trial: null, updatedAt: Date.now() };
  writeJsonDurable(layout.state, state);
  log.warn({ version }, 'no supervisor state: starting the supervisor\'s own release');
  return state;
}
