import type { ReleaseBody, UpdateEvent } from '@smart-commune/shared';
import type { BackoffOptions, Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
import type { DeviceCredentials } from '../link/device-http.js';
import type { SupervisedContext } from '../supervisor/daemon-side.js';
/** Installs a downloaded bundle into releases/<version> (every file checked); throws why not. */
export type InstallBundle = (tarPath: string) => Promise<{
    version: string;
}>;
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
/**
 * The box's update module: converges on the `release` document. It downloads the bundle in the background
 * (resumable, hash-checked, bounded by free disk), installs it beside the running version, waits for a
 * quiet moment on the loudspeakers, then asks the supervisor to switch and exits. It reports each step as
 * an `update` event, the supervisor's rollback record after one, and "running" once the new version is
 * confirmed. A version that failed for a rollout is not tried again for it.
 */
export declare class EdgeUpdater {
    private readonly deps;
    private job;
    private confirmTimer;
    private stopped;
    constructor(deps: UpdaterDeps);
    private get downloads();
    private event;
    /** At start: report a rollback the supervisor recorded (once), so the cloud learns why the new version is not running. */
    start(): void;
    /** The `release` document's applier: returns at once, the work goes on in the background. */
    apply(body: ReleaseBody): void;
    private cancel;
    private fail;
    private run;
    private download;
    private waitQuiet;
    /** The new version says "running" once, when the supervisor has confirmed it (not while on trial). */
    private reportRunningWhenConfirmed;
    stop(): Promise<void>;
}
//# sourceMappingURL=updater.d.ts.map