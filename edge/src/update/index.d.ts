import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
import type { DeviceCredentials } from '../link/device-http.js';
import type { Outbox } from '../outbox/outbox.js';
import type { RadioPlayer } from '../radio/player.js';
import type { SupervisedContext } from '../supervisor/daemon-side.js';
import { EdgeUpdater } from './updater.js';
export { EdgeUpdater } from './updater.js';
export { notQuietBecause, QUIET_AHEAD_MS } from './quiet.js';
export { downloadBundle, DownloadRefused } from './download.js';
/** SC_EDGE_UPDATE_DISK_MARGIN: free space kept beyond a download, as a multiple of the bundle (default 2: room to unpack it). */
export declare function diskMargin(value: string | undefined): number;
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
export declare function createEdgeUpdate(options: EdgeUpdateOptions): EdgeUpdater;
//# sourceMappingURL=index.d.ts.map