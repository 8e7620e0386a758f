import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
import type { DeviceCredentials } from '../link/device-http.js';
import type { Outbox } from '../outbox/outbox.js';
import type { RadioPlayer } from '../radio/player.js';
import type { SupervisedContext } from '../supervisor/daemon-side.js';
import { readJsonFile } from '../supervisor/durable.js';
import { supervisorStateSchema } from '../supervisor/protocol.js';
import { installBundle } from '../releases/install.js';
import { trustedKeys } from '../releases/trusted-keys.js';
import { notQuietBecause } from './quiet.js';
import { EdgeUpdater } from './updater.js';

export { EdgeUpdater } from './updater.js';
export { notQuietBecause, QUIET_AHEAD_MS } from './quiet.js';
export { downloadBundle, DownloadRefused } from './download.js';

/** SC_EDGE_UPDATE_DISK_MARGIN: free space kept beyond a download, as a multiple of the bundle (default 2: room to unpack it). */
export function diskMargin(value: string | undefined): number {
  const margin = Number(value ?? 2);
  if (!Number.isFinite(margin) || margin < 0 || margin > 100) throw new Error(`SC_EDGE_UPDATE_DISK_MARGIN must be a number from 0 to 100, not "${value}"`);
  return margin;
}

export interface EdgeUpdateOptions {
  supervised: SupervisedContext | null;
  runningVersion: string;
  cloudUrl: string;
  credentials: () => DeviceCredentials;
  state: StateStore;
  outbox: Outbox;
  player: RadioPlayer;
  /** The cloud's clock, as the player's plan uses it. */
  cloudNow: () => number;
  /** Waits until the outbox is empty or the link is down, at most a few seconds. */
  drainOutbox: () => Promise<void>;
  exitForSwitch: () => void;
  logger: Logger;
}

/** The daemon's update module, wired to the box: its outbox, its loudspeakers' plan, the supervisor's files. */
export function createEdgeUpdate(options: EdgeUpdateOptions): EdgeUpdater {
  const ctx = options.supervised;
  return new EdgeUpdater({
    supervised: ctx,
    runningVersion: options.runningVersion,
    arch: process.arch,
    cloudUrl: options.cloudUrl,
    credentials: options.credentials,
    state: options.state,
    report: (event) => void options.outbox.add('update', event),
    // 15b's installer: signature before any file is written, each file checked, releases/<v> only when complete
    install: async (tarPath) => ({ version: (await installBundle(tarPath, { layout: ctx!.layout, publicKeys: trustedKeys(ctx!.layout) })).manifest.version }),
    notQuiet: () => notQuietBecause(options.player.status(), options.cloudNow()),
    confirmed: () => {
      if (!ctx) return true;
      const state = readJsonFile(ctx.layout.state, supervisorStateSchema);
      // no state file: installed by hand, nothing on trial
      return !state || (state.trial === null && state.current === options.runningVersion);
    },
    drainOutbox: options.drainOutbox,
    exitForSwitch: options.exitForSwitch,
    logger: options.logger,
    diskMargin: diskMargin(process.env.SC_EDGE_UPDATE_DISK_MARGIN),
  });
}
