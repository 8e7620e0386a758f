import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ReleaseBody, ReleaseBundleRef, UpdateEvent } from '@smart-commune/shared';
import type { BackoffOptions, Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
import type { DeviceCredentials } from '../link/device-http.js';
import type { SupervisedContext } from '../supervisor/daemon-side.js';
import { markFailureReported, requestSwitch, unreportedFailure } from '../supervisor/daemon-side.js';
import { downloadBundle } from './download.js';

type Target = NonNullable<ReleaseBody['target']>;

/** Installs a downloaded bundle into releases/<version> (every file checked); throws why not. */
export type InstallBundle = (tarPath: string) => Promise<{ version: string }>;

export interface UpdaterDeps {
  /** Null when the daemon does not run under the supervisor (a development checkout): updates are refused with a reason. */
  supervised: SupervisedContext | null;
  /** The version running now. */
  runningVersion: string;
  arch: string;
  cloudUrl: string;
  credentials: () => DeviceCredentials;
  state: StateStore;
  /** Puts an `update` event in the outbox. */
  report: (event: UpdateEvent) => void;
  install: InstallBundle;
  /** Why the loudspeakers may not go silent now, or null when they may (quiet.ts). */
  notQuiet: () => string | null;
  /** Whether the supervisor has confirmed the running version (no trial under way). */
  confirmed: () => boolean;
  /** Resolves once the outbox has sent what it holds, or after a short wait (the events are on disk either way). */
  drainOutbox: () => Promise<void>;
  /** Stops the daemon and exits with the supervisor's switch code. */
  exitForSwitch: () => void;
  logger: Logger;
  /** Free space kept beyond the bundle while downloading, as a multiple of the bundle's size (the unpacked release). Default 2. */
  diskMargin?: number;
  quietPollMs?: number;
  backoff?: BackoffOptions;
}

interface Remembered {
  version: string;
  rolloutId: string | null;
}

const FAILED_KEY = 'update.failed';
const RUNNING_KEY = 'update.reportedRunning';
const PROGRESS_EVERY_MS = 5000;

/**
 * The box's update module: converges on the `release` document. It downloads the bundle in the background
 * (resumable, hash-checked, bounded by free disk), installs it beside the running version, waits for a
 * quiet moment on the loudspeakers, then asks the supervisor to switch and exits. It reports each step as
 * an `update` event, the supervisor's rollback record after one, and "running" once the new version is
 * confirmed. A version that failed for a rollout is not tried again for it.
 */
export class EdgeUpdater {
  private job: { target: Target; abort: AbortController; done: Promise<void> } | null = null;
  private confirmTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: UpdaterDeps) {}

  private get downloads(): string | null {
    return this.deps.supervised ? join(this.deps.supervised.layout.home, 'downloads') : null;
  }

  private event(target: Remembered, phase: UpdateEvent['phase'], extra: Partial<UpdateEvent> = {}): void {
    this.deps.report({ phase, version: target.version, rolloutId: target.rolloutId, runningVersion: this.deps.runningVersion, at: Date.now(), ...extra });
  }

  /** At start: report a rollback the supervisor recorded (once), so the cloud learns why the new version is not running. */
  start(): void {
    const ctx = this.deps.supervised;
    if (!ctx) return;
    const failure = unreportedFailure(ctx.layout);
    if (failure) {
      const reason = `${failure.reason}: ${failure.detail}`;
      this.event({ version: failure.version, rolloutId: failure.rolloutId }, 'rolled_back', { reason, logLines: failure.logTail.slice(-50).map((l) => l.slice(0, 2000)) });
      this.deps.state.set(FAILED_KEY, { version: failure.version, rolloutId: failure.rolloutId });
      markFailureReported(ctx.layout, failure); // the event is in the outbox on disk: it will reach the cloud
      this.deps.logger.warn({ version: failure.version, reason }, 'the supervisor went back from a failed update; reported');
    }
  }

  /** The `release` document's applier: returns at once, the work goes on in the background. */
  apply(body: ReleaseBody): void {
    const target = body.target;
    if (!target) return this.cancel('the cloud no longer asks for a release');
    if (target.version === this.deps.runningVersion) {
      this.cancel(null);
      return this.reportRunningWhenConfirmed(target);
    }
    const failed = this.deps.state.get<Remembered>(FAILED_KEY)?.value;
    if (failed && failed.version === target.version && failed.rolloutId === target.rolloutId) {
      this.deps.logger.info({ version: target.version }, 'this version already failed for this rollout; not trying again');
      return;
    }
    if (this.job && this.job.target.version === target.version && this.job.target.rolloutId === target.rolloutId) return;
    this.cancel(null);
    const abort = new AbortController();
    const done = this.run(target, abort.signal).catch((err: Error) => this.fail(target, err, abort.signal));
    this.job = { target, abort, done };
  }

  private cancel(reason: string | null): void {
    if (!this.job) return;
    if (reason) this.deps.logger.info({ version: this.job.target.version, reason }, 'update stopped');
    this.job.abort.abort(new Error(reason ?? 'replaced by another release'));
    this.job = null;
  }

  private fail(target: Target, err: Error, signal: AbortSignal): void {
    if (signal.aborted) return; // cancelled or stopping: not a failure of the release
    this.deps.logger.error({ version: target.version, err: err.message }, 'update failed');
    this.deps.state.set(FAILED_KEY, { version: target.version, rolloutId: target.rolloutId });
    this.event(target, 'failed', { reason: err.message.slice(0, 2000) });
    if (this.job?.target === target) this.job = null;
  }

  private async run(target: Target, signal: AbortSignal): Promise<void> {
    const ctx = this.deps.supervised;
    if (!ctx) throw new Error('this box does not run under the supervisor (SC_EDGE_HOME not set): install it from a bundle to update it remotely');
    const bundle = target.bundles.find((b) => b.arch === this.deps.arch);
    if (!bundle) throw new Error(`release ${target.version} has no bundle for this box's CPU (${this.deps.arch}); it has ${target.bundles.map((b) => b.arch).join(', ')}`);
    if (!existsSync(ctx.layout.releaseDir(target.version))) {
      const file = await this.download(target, bundle, signal);
      signal.throwIfAborted();
      await this.deps.install(file);
      rmSync(file, { force: true });
    }
    this.event(target, 'installed');
    let announced = false;
    for (;;) {
      await this.waitQuiet(target, signal);
      signal.throwIfAborted();
      if (!announced) this.event(target, 'switching');
      announced = true;
      await this.deps.drainOutbox();
      signal.throwIfAborted();
      // an alert may have started while the outbox drained: never cut it, wait for the next quiet moment
      if (!this.deps.notQuiet()) break;
    }
    requestSwitch(ctx.layout, { version: target.version, rolloutId: target.rolloutId });
    this.deps.logger.info({ version: target.version }, 'switch requested: handing over to the supervisor');
    this.deps.exitForSwitch();
  }

  private async download(target: Target, bundle: ReleaseBundleRef, signal: AbortSignal): Promise<string> {
    const dir = this.downloads!;
    mkdirSync(dir, { recursive: true });
    const name = `${target.version}-${bundle.arch}-${bundle.sha256.slice(0, 12)}.tar`;
    // only one bundle on disk at a time: a partial download of another release is dropped
    for (const other of readdirSync(dir)) if (other !== name) rmSync(join(dir, other), { force: true, recursive: true });
    const file = join(dir, name);
    let lastReport = 0;
    await downloadBundle({
      url: new URL(bundle.path, this.deps.cloudUrl).toString(),
      file,
      bytes: bundle.bytes,
      sha256: bundle.sha256,
      credentials: this.deps.credentials,
      reserveBytes: Math.ceil(bundle.bytes * (this.deps.diskMargin ?? 2)),
      signal,
      backoff: this.deps.backoff,
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - lastReport < PROGRESS_EVERY_MS && done < total) return;
        lastReport = now;
        this.event(target, 'downloading', { bytesDone: done, bytesTotal: total });
      },
    });
    return file;
  }

  private async waitQuiet(target: Target, signal: AbortSignal): Promise<void> {
    let told = false;
    for (;;) {
      signal.throwIfAborted();
      const why = this.deps.notQuiet();
      if (!why) return;
      if (!told) {
        told = true;
        this.event(target, 'waiting', { reason: why });
        this.deps.logger.info({ version: target.version, why }, 'update waits for a quiet moment on the loudspeakers');
      }
      await new Promise((r) => setTimeout(r, this.deps.quietPollMs ?? 1000));
    }
  }

  /** The new version says "running" once, when the supervisor has confirmed it (not while on trial). */
  private reportRunningWhenConfirmed(target: Target): void {
    const done = this.deps.state.get<Remembered>(RUNNING_KEY)?.value;
    if (done && done.version === target.version && done.rolloutId === target.rolloutId) return;
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    const check = () => {
      this.confirmTimer = null;
      if (this.stopped) return;
      if (!this.deps.confirmed()) {
        this.confirmTimer = setTimeout(check, 1000);
        return;
      }
      this.deps.state.set(RUNNING_KEY, { version: target.version, rolloutId: target.rolloutId });
      this.event(target, 'running');
    };
    check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    const job = this.job;
    this.cancel('the daemon is stopping');
    await job?.done;
  }
}
