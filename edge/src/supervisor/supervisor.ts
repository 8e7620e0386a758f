import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Backoff, type Logger } from '@smart-commune/shared/runtime';
import type { ReleaseManifest } from '@smart-commune/shared';
import { cleanReleaseLeftovers } from '../releases/install.js';
import { lastLines, startDaemonRun, type DaemonRun } from './child.js';
import type { SupervisorSettings } from './config.js';
import { readJsonFile, removeDurable, writeJsonDurable } from './durable.js';
import { edgeHomeLayout, type EdgeHomeLayout } from './layout.js';
import { cutPowerAt, type PowerCutPoint } from './power-cut.js';
import {
  healthReportSchema,
  judgeHealth,
  lastFailureSchema,
  SUPERVISOR_ENV,
  RESTART_EXIT_CODE,
  SWITCH_EXIT_CODE,
  supervisorStateSchema,
  switchRequestSchema,
  type FailureReason,
  type LastFailure,
  type SupervisorState,
  type Trial,
} from './protocol.js';
import { inferState, reapOrphanDaemon } from './start-checks.js';
import { UsableReleases } from './usable-releases.js';

/**
 * The box's supervisor: runs the current version's daemon, restarts it with a growing pause, and
 * carries out switches (protocol.ts). Every decision is first written to state.json (durably), then
 * acted on, so whatever instant the power goes, the next start reads a state that names a version
 * that worked: a trial found at start was not confirmed and is rolled back, unless its health file
 * already proved it healthy (then it is committed). A test can cut the power at each step: power-cut.ts.
 */
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

export class Supervisor {
  readonly layout: EdgeHomeLayout;
  private state!: SupervisorState;
  private run: DaemonRun | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly releases: UsableReleases;
  private readonly backoff: Backoff;
  private done: Promise<void> | null = null;

  constructor(private readonly options: SupervisorOptions) {
    this.layout = edgeHomeLayout(options.home);
    this.releases = new UsableReleases(this.layout, options.verifyHashes, options.logger);
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
    reapOrphanDaemon(layout, this.log);
    const cleaned = cleanReleaseLeftovers(layout);
    if (cleaned.length > 0) this.log.info({ cleaned }, 'removed unfinished installs and deletions');
    const state = readJsonFile(layout.state, supervisorStateSchema) ?? inferState(layout, this.log);
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

  private powerCut(point: PowerCutPoint): void {
    cutPowerAt(point, this.options.powerCutAt, this.log);
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
      const manifest = await this.releases.check(version);
      if (!manifest) {
        if (trial) {
          this.rollBack(trial, 'invalid_release', `release ${version} cannot be started: ${this.releases.lastProblem}`);
        } else if (this.state.previous && (await this.releases.check(this.state.previous))) {
          const broken = this.state.current;
          this.recordFailure({ version: broken, from: this.state.previous, rolloutId: null, reason: 'current_unusable', detail: `release ${broken} cannot be started (${this.releases.lastProblem}): running ${this.state.previous}` });
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
    this.releases.forget(request.version); // check it afresh, whatever an earlier look said
    if (!(await this.releases.check(request.version))) {
      this.recordFailure({ version: request.version, from, rolloutId: request.rolloutId, reason: 'invalid_release', detail: `release ${request.version} cannot be started: ${this.releases.lastProblem}` });
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
    if (ended.code === RESTART_EXIT_CODE) {
      // a restart asked for from the console: the same version again at once, not a crash (the
      // health timeout of a trial still runs from the switch)
      this.log.info({ version }, 'daemon restarted on request');
      this.backoff.reset();
      return;
    }
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
    if (existsSync(layout.switchRequest)) {
      // the daemon's update module (exit 75), or a technician's `switch` and reload: switch now, no pause
      this.log.info({ version, code: ended.code, byDaemon: ended.code === SWITCH_EXIT_CODE }, 'switch requested');
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
    this.releases.removeAllBut([this.state.current, this.state.previous]);
  }

  private rollBack(trial: Trial, reason: FailureReason, detail: string, alreadyRecorded = false): void {
    if (!alreadyRecorded) this.recordFailure({ version: trial.version, from: trial.from, rolloutId: trial.rolloutId, reason, detail, logTail: lastLines(this.layout.trialLog(trial.version), LOG_TAIL_LINES) });
    this.powerCut('failure-recorded');
    if (existsSync(this.layout.switchRequest)) removeDurable(this.layout.switchRequest); // whatever the failed version asked
    this.writeState({ current: trial.from, previous: this.state.previous === trial.from ? null : this.state.previous, trial: null });
    this.releases.forget(trial.version);
    this.log.error({ version: trial.version, back_to: trial.from, reason, detail }, 'switch failed: back to the previous version');
    this.powerCut('rolled-back');
  }

  private recordFailure(f: Omit<LastFailure, 'format' | 'at' | 'reportedAt' | 'logTail'> & { logTail?: string[] }): void {
    const failure: LastFailure = lastFailureSchema.parse({ format: 1, at: Date.now(), reportedAt: null, logTail: [], ...f, detail: f.detail.slice(0, 2000) });
    writeJsonDurable(this.layout.lastFailure, failure);
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
