import { join } from 'node:path';

/**
 * The box's directory layout under SC_EDGE_HOME (default /opt/smart-commune-edge). One place names
 * every path, so the supervisor, the daemon's update module and the tests agree.
 *
 *   releases/<version>/            an unpacked, verified bundle; never changed after install
 *   releases/.incoming-<v>-<pid>/  an unpack in progress (renamed to releases/<v> when complete; removed at start otherwise)
 *   releases/.trash-<v>-<pid>/     a release being deleted (renamed first, so half a deletion is never a release)
 *   data/                          the daemon's data dir (SC_DATA_DIR), shared by every version
 *   keys/release-keys.json         the trusted release public keys (from provisioning, rotated by signed messages)
 *   supervisor/state.json          current, previous and trial versions (the supervisor's only source of truth)
 *   supervisor/switch-request.json written by the running daemon before it exits with SWITCH_EXIT_CODE
 *   supervisor/health-<v>.json     written by the daemon of version v every few seconds
 *   supervisor/last-failure.json   the last switch that failed (reported by the next daemon, then marked reported)
 *   supervisor/child.json          pid of the daemon the supervisor started (reaped if the supervisor died alone)
 *   supervisor/trial-<v>.log       output of a version on trial (its last lines go into last-failure.json)
 *   supervisor/program             symlink to the release whose supervisor runs (systemd's ExecStart goes through it)
 */
export const DEFAULT_EDGE_HOME = '/opt/smart-commune-edge';

export interface EdgeHomeLayout {
  home: string;
  releases: string;
  data: string;
  keys: string;
  keysFile: string;
  supervisorDir: string;
  state: string;
  switchRequest: string;
  lastFailure: string;
  child: string;
  program: string;
  releaseDir(version: string): string;
  health(version: string): string;
  trialLog(version: string): string;
}

export function edgeHomeLayout(home: string): EdgeHomeLayout {
  const supervisorDir = join(home, 'supervisor');
  const releases = join(home, 'releases');
  return {
    home,
    releases,
    data: join(home, 'data'),
    keys: join(home, 'keys'),
    keysFile: join(home, 'keys', 'release-keys.json'),
    supervisorDir,
    state: join(supervisorDir, 'state.json'),
    switchRequest: join(supervisorDir, 'switch-request.json'),
    lastFailure: join(supervisorDir, 'last-failure.json'),
    child: join(supervisorDir, 'child.json'),
    program: join(supervisorDir, 'program'),
    releaseDir: (version) => join(releases, version),
    health: (version) => join(supervisorDir, `health-${version}.json`),
    trialLog: (version) => join(supervisorDir, `trial-${version}.log`),
  };
}

/** Names of temporary release directories: never mistaken for a release (a version never starts with a dot). */
export const INCOMING_PREFIX = '.incoming-';
export const TRASH_PREFIX = '.trash-';
