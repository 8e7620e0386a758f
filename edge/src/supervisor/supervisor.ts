import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Backoff, type Logger } from '@smart-commune/shared/runtime';
import { releaseVersionSchema, verifyReleaseDir, type ReleaseManifest } from '@smart-commune/shared';
import { cleanReleaseLeftovers, removeRelease } from '../releases/install.js';
import { trustedKeys } from '../releases/trusted-keys.js';
import { isOurProcess, lastLines, startDaemonRun, type DaemonRun } from './child.js';
import type { SupervisorSettings } from './config.js';
import { readJsonFile, removeDurable, writeJsonDurable } from './durable.js';
import { edgeHomeLayout, type EdgeHomeLayout } from './layout.js';
import {
  childRecordSchema,
  healthReportSchema,
  judgeHealth,
  lastFailureSchema,
  SUPERVISOR_ENV,
  SWITCH_EXIT_CODE,
  supervisorStateSchema,
  switchRequestSchema,
  type FailureReason,
  type LastFailure,
  type SupervisorState,
  type Trial,
} from './protocol.js';

/**
 * The box's supervisor: runs the current version's daemon, restarts it with a growing pause, and
 * carries out switches (protocol.ts). Every decision is first written to state.json (durably), then
 * acted on, so whatever instant the power goes, the next start reads a state that names a version
 * that worked: a trial found at start was not confirmed and is rolled back, unless its health file
 * already proved it healthy (then it is committed).
 *
 * Steps where a test can cut the power (SC_SUPERVISOR_TEST_POWER_CUT_AT): see POWER_CUT_POINTS.
 */
export const POWER_CUT_POINTS = [
  'request-seen',
  'trial-recorded',
  'trial-started',
  'healthy-seen',
  'committed',
  'failure-recorded',
  'rolled-back',
] as const;
export type PowerCutPoint = (typeof POWER_CUT_POINTS)[number];

export interface SupervisorOptions extends SupervisorSettings {
  logger: Logger;
  /** The Node.js binary that runs daemons; default this one. */
  node?: string;
  /** Pause between restarts of a version that is not on trial. */
  restart?: { initialMs: number; maxMs: number };
  /** A daemon that ran this long is stable again: its next crash restarts it after the initial pause. */
  stableAfterMs?: number;
  /** Pause between restarts of a version on trial. */
  trialRestartMs?: number;
  healthPollMs?: number;
  stopGraceMs?: number;
  /** Where daemons' output goes (default stdout). */
  out?: NodeJS.WritableStream;
}

const LOG_TAIL_LINES = 50;

export class SupervisorStartError extends Error {
  override name = 'SupervisorStartError';
}

export class Supervisor {
  readonly layout: EdgeHomeLayout;
  private state!: SupervisorState;
  private run: DaemonRun | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly verified = new Map<string, ReleaseManifest>();
  private readonly backoff: Backoff;
  private done: Promise<void> | null = null;

  constructor(private readonly options: SupervisorOptions) {
    this.layout = edgeHomeLayout(options.home);
    this.backoff = new Backoff({ initialMs: options.restart?.initialMs ?? 1000, maxMs: options.restart?.maxMs ?? 30_000, jitter: 0.1 });
  }

  get log(): Logger {
    return this.options.logger;
  }

  /** Recovers from whatever the last stop left, then runs until stop(). */
  start(): Promise<void> {
    this.boot();
    this.done = this.loop();
    return this.done;
  }

  /** Stops the daemon (SIGTERM, then SIGKILL) and the loop. A trial in progress stays recorded (rolled back at the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.run?.stop(this.options.stopGraceMs ?? 15_000);
    await this.done;
  }

  /** SIGHUP: stop the daemon so a switch request written by hand is acted on now. */
  async reconsider(): Promise<void> {
    this.log.info('asked to look at the switch request: stopping the daemon');
    await this.run?.stop(this.options.stopGraceMs ?? 15_000);
  }

  currentState(): SupervisorState {
    return this.state;
  }

  private boot(): void {
    const { layout } = this;
    mkdirSync(layout.supervisorDir, { recursive: true });
    mkdirSync(layout.data, { recursive: true });
    this.reapOrphan();
    const cleaned = cleanReleaseLeftovers(layout);
    if (cleaned.length > 0) this.log.info({ cleaned }, 'removed unfinished installs and deletions');
    const state = readJsonFile(layout.state, supervisorStateSchema) ?? this.inferState();
    this.state = state;
    if (state.trial) {
      const { trial } = state;
      const verdict = judgeHealth(this.health(trial.version), this.health(trial.from), trial.startedAt);
      if (verdict.healthy) {
        this.log.info({ version: trial.version }, 'the version on trial had reported healthy before the stop: keeping it');
        this.commit(trial);
      } else {
        const recorded = readJsonFile(layout.lastFailure, lastFailureSchema);
        const alreadyRecorded = recorded !== null && recorded.version === trial.version && recorded.at >= trial.startedAt;
        this.rollBack(trial, 'interrupted', `the supervisor stopped (power cut, kill or reboot) during the trial, before ${trial.version} was confirmed healthy`, alreadyRecorded);
      }
    }
    this.log.info({ current: this.state.current, previous: this.state.previous }, 'supervisor started');
  }

  /** No state.json: a home set up before the supervisor, or state lost. Take the supervisor's own release, else the only one. */
  private inferState(): SupervisorState {
    let version: string | null = null;
    try {
      version = basename(readlinkSync(this.layout.program));
    } catch {
      const releases = existsSync(this.layout.releases) ? readdirSync(this.layout.releases).filter((n) => releaseVersionSchema.safeParse(n).success) : [];
      if (releases.length === 1) version = releases[0]!;
    }
    if (!version || !existsSync(this.layout.releaseDir(version))) {
      throw new SupervisorStartError(`no ${this.layout.state} and no single release to start: install a bundle first with "sc-edge-supervisor install BUNDLE --keys KEYS"`);
    }
    const state: SupervisorState = { format: 1, current: version, previous: null, trial: null, updatedAt: Date.now() };
    writeJsonDurable(this.layout.state, state);
    this.log.warn({ version }, 'no supervisor state: starting the supervisor\'s own release');
    return state;
  }

  /** A daemon left running by a supervisor that was killed alone: stop it before starting another on the same data. */
  private reapOrphan(): void {
    const record = (() => {
      try {
        return readJsonFile(this.layout.child, childRecordSchema);
      } catch {
        return null;
      }
    })();
    if (!record || record.pid === process.pid || !isOurProcess(record.pid, this.layout.releases)) return;
    this.log.warn({ pid: record.pid, version: record.version }, 'a daemon of the previous supervisor is still running: stopping it');
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (isOurProcess(record.pid, this.layout.releases) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }

  private powerCut(point: PowerCutPoint): void {
    if (this.options.powerCutAt !== point) return;
    this.log.warn({ point }, 'test: cutting the power');
    try {
      process.kill(-process.pid, 'SIGKILL'); // the whole process group, daemon included, as a power cut would
    } catch {
      // not a group leader
    }
    process.kill(process.pid, 'SIGKILL');
  }

  private health(version: string) {
    try {
      return readJsonFile(this.layout.health(version), healthReportSchema);
    } catch {
      return null; // a damaged health file proves nothing
    }
  }

  private writeState(next: Omit<SupervisorState, 'format' | 'updatedAt'>): void {
    const state: SupervisorState = { format: 1, ...next, updatedAt: Date.now() };
    writeJsonDurable(this.layout.state, state);
    this.state = state;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.state.trial && existsSync(this.layout.switchRequest)) await this.takeSwitchRequest();
      const trial = this.state.trial;
      const version = trial?.version ?? this.state.current;
      const manifest = await this.usable(version);
      if (!manifest) {
        if (trial) {
          this.rollBack(trial, 'invalid_release', `release ${version} is missing or damaged`);
        } else if (this.state.previous && (await this.usable(this.state.previous))) {
          const broken = this.state.current;
          this.recordFailure({ version: broken, from: this.state.previous, rolloutId: null, reason: 'current_unusable', detail: `release ${broken} is missing or damaged: running ${this.state.previous}` });
          this.writeState({ current: this.state.previous, previous: null, trial: null });
        } else {
          this.log.error({ version }, 'no usable release to run; waiting');
          await this.pause(this.backoff.next());
        }
        continue;
      }
      await this.runVersion(version, manifest);
    }
  }

  /** The release's manifest if it is there, signed by a trusted key, for this box, complete; else null (logged). */
  private async usable(version: string): Promise<ReleaseManifest | null> {
    const known = this.verified.get(version);
    if (known) return known;
    try {
      const manifest = await verifyReleaseDir(this.layout.releaseDir(version), trustedKeys(this.layout), { hashes: this.options.verifyHashes });
      const problem =
        manifest.product !== 'edge' ? `it is a ${manifest.product} release` : manifest.version !== version ? `its manifest says version ${manifest.version}` : manifest.arch !== process.arch ? `it is for ${manifest.arch}, this box is ${process.arch}` : null;
      if (problem) throw new Error(problem);
      this.verified.set(version, manifest);
      return manifest;
    } catch (err) {
      this.lastUnusable = (err as Error).message;
      this.log.error({ version, err: (err as Error).message }, 'release not usable');
      return null;
    }
  }
  private lastUnusable = '';

  private async takeSwitchRequest(): Promise<void> {
    let request;
    try {
      request = readJsonFile(this.layout.switchRequest, switchRequestSchema);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'switch request not valid: ignored');
      removeDurable(this.layout.switchRequest);
      return;
    }
    if (!request) return;
    this.powerCut('request-seen');
    const from = this.state.current;
    if (request.version === from) {
      this.log.info({ version: from }, 'switch request for the version already running: nothing to do');
      removeDurable(this.layout.switchRequest);
      return;
    }
    this.verified.delete(request.version); // check it afresh, whatever an earlier look said
    if (!(await this.usable(request.version))) {
      this.recordFailure({ version: request.version, from, rolloutId: request.rolloutId, reason: 'invalid_release', detail: `release ${request.version} cannot be started: ${this.lastUnusable}` });
      removeDurable(this.layout.switchRequest);
      return;
    }
    const now = Date.now();
    rmSync(this.layout.trialLog(request.version), { force: true });
    this.writeState({ current: from, previous: this.state.previous, trial: { version: request.version, from, rolloutId: request.rolloutId, requestedAt: request.requestedAt, startedAt: now, crashes: 0 } });
    this.powerCut('trial-recorded');
    removeDurable(this.layout.switchRequest);
    this.log.info({ from, to: request.version, rolloutId: request.rolloutId }, 'switching: the new version is on trial');
  }

  /** Runs `version` until it exits (or a trial ends in a rollback) or the supervisor stops. */
  private async runVersion(version: string, manifest: ReleaseManifest): Promise<void> {
    const { layout } = this;
    const onTrial = () => this.state.trial?.version === version;
    const dir = layout.releaseDir(version);
    const run = startDaemonRun({
      node: this.options.node ?? process.execPath,
      args: [join(dir, manifest.entry), 'run'],
      cwd: layout.data,
      env: {
        ...process.env,
        SC_DATA_DIR: layout.data,
        [SUPERVISOR_ENV.home]: layout.home,
        [SUPERVISOR_ENV.release]: version,
        [SUPERVISOR_ENV.trial]: onTrial() ? '1' : '0',
        SC_SUPERVISOR_TEST_POWER_CUT_AT: undefined,
      },
      trialLog: onTrial() ? layout.trialLog(version) : null,
      ...(this.options.out ? { out: this.options.out } : {}),
    });
    this.run = run;
    if (run.child.pid) writeJsonDurable(layout.child, { pid: run.child.pid, version, startedAt: run.startedAt });
    this.log.info({ version, pid: run.child.pid, trial: onTrial() }, 'daemon started');
    if (onTrial()) this.powerCut('trial-started');

    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    void run.exited.then((e) => {
      exit = e;
      this.wake?.();
    });
    // while on trial: watch its health until it is confirmed, times out, or the daemon exits
    while (!exit && !this.stopping && onTrial()) {
      const trial = this.state.trial!;
      const verdict = judgeHealth(this.health(version), this.health(trial.from), trial.startedAt);
      if (verdict.healthy) {
        this.powerCut('healthy-seen');
        this.commit(trial);
        break;
      }
      if (Date.now() >= trial.startedAt + this.options.healthTimeoutMs) {
        this.log.warn({ version, unmet: verdict.unmet }, 'the new version did not report healthy in time');
        await run.stop(this.options.stopGraceMs ?? 15_000);
        this.rollBack(trial, 'health_timeout', `not healthy within ${Math.round(this.options.healthTimeoutMs / 1000)} s: ${verdict.unmet.join('; ')}`);
        return;
      }
      await this.pause(this.options.healthPollMs ?? 500);
    }
    const ended = exit ?? (await run.exited);
    this.run = null;
    if (this.stopping) return;
    const ranMs = Date.now() - run.startedAt;
    const trial = this.state.trial;
    if (trial && trial.version === version) {
      const crashes = trial.crashes + 1;
      this.log.warn({ version, code: ended.code, signal: ended.signal, crashes }, 'the version on trial exited');
      if (crashes >= this.options.crashLimit) {
        this.rollBack({ ...trial, crashes }, 'crash_loop', `exited ${crashes} times during its trial (last: ${ended.signal ?? `code ${ended.code}`})`);
        return;
      }
      this.writeState({ ...this.state, trial: { ...trial, crashes } });
      await this.pause(this.options.trialRestartMs ?? 1000);
      return;
    }
    if (ended.code === SWITCH_EXIT_CODE && existsSync(layout.switchRequest)) {
      this.log.info({ version }, 'the daemon asks for a switch');
      this.backoff.reset();
      return;
    }
    if (ranMs >= (this.options.stableAfterMs ?? 60_000)) this.backoff.reset();
    const delay = this.backoff.next();
    this.log.warn({ version, code: ended.code, signal: ended.signal, ranMs, restartInMs: delay }, 'daemon exited: restarting');
    await this.pause(delay);
  }

  /** The version on trial becomes current; the one it replaced becomes previous; older releases go. */
  private commit(trial: Trial): void {
    this.writeState({ current: trial.version, previous: trial.from, trial: null });
    this.log.info({ version: trial.version, previous: trial.from }, 'the new version is healthy: switch confirmed');
    this.powerCut('committed');
    rmSync(this.layout.trialLog(trial.version), { force: true });
    this.removeOldReleases();
  }

  private rollBack(trial: Trial, reason: FailureReason, detail: string, alreadyRecorded = false): void {
    if (!alreadyRecorded) this.recordFailure({ version: trial.version, from: trial.from, rolloutId: trial.rolloutId, reason, detail, logTail: lastLines(this.layout.trialLog(trial.version), LOG_TAIL_LINES) });
    this.powerCut('failure-recorded');
    if (existsSync(this.layout.switchRequest)) removeDurable(this.layout.switchRequest); // whatever the failed version asked
    this.writeState({ current: trial.from, previous: this.state.previous === trial.from ? null : this.state.previous, trial: null });
    this.verified.delete(trial.version);
    this.log.error({ version: trial.version, back_to: trial.from, reason, detail }, 'switch failed: back to the previous version');
    this.powerCut('rolled-back');
  }

  private recordFailure(f: Omit<LastFailure, 'format' | 'at' | 'reportedAt' | 'logTail'> & { logTail?: string[] }): void {
    const failure: LastFailure = lastFailureSchema.parse({ format: 1, at: Date.now(), reportedAt: null, logTail: [], ...f, detail: f.detail.slice(0, 2000) });
    writeJsonDurable(this.layout.lastFailure, failure);
  }

  /** Keeps current, previous and the supervisor's own release; deletes the rest. */
  private removeOldReleases(): void {
    const keep = new Set([this.state.current, this.state.previous]);
    try {
      keep.add(basename(readlinkSync(this.layout.program)));
    } catch {
      // no program link (tests, or a box set up by hand)
    }
    for (const name of readdirSync(this.layout.releases)) {
      if (!releaseVersionSchema.safeParse(name).success || keep.has(name)) continue;
      removeRelease(this.layout, name);
      rmSync(this.layout.health(name), { force: true });
      this.verified.delete(name);
      this.log.info({ version: name }, 'old release removed');
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
