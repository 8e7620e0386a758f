import { type CommandRequest, type CommandResponse, type PlaybackEvent, type RadioSettings, type ScheduleBody } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { EdgeIdentity } from './alerts.js';
import { AssetCache } from './asset-cache.js';
import type { DeviceCredentials } from '../link/device-http.js';
import { RadioPlayer, type RadioPlayerOptions } from './player.js';
import { type TestToneOptions } from './test-tone.js';
import type { PlayerClock } from './timing.js';
export interface EdgeRadioOptions {
    /** The box's data dir: the cache goes to `{dataDir}/radio/assets`, the journal to `{dataDir}/radio/journal.json`. */
    dataDir: string;
    cloudUrl: string;
    /** The box's own credentials (username = edgeId), read at each download. */
    credentials: () => DeviceCredentials;
    /** The daemon's ClockSync. */
    clock: PlayerClock;
    identity: EdgeIdentity;
    /** Proof of play: put it in the Outbox (`outbox.add('playback', event)`). */
    onPlayback: (event: PlaybackEvent) => void;
    logger?: Logger;
    /** Tuning and test hooks of the player (lateness limits, decode-ahead…). */
    player?: Partial<Omit<RadioPlayerOptions, 'clock' | 'cache' | 'onPlayback' | 'journal' | 'logger'>>;
    testTone?: TestToneOptions;
}
export interface EdgeRadio {
    player: RadioPlayer;
    cache: AssetCache;
    /** `config` document: `if (body.radio) await radio.configure(body.radio)`. */
    configure(settings: RadioSettings): Promise<void>;
    /** `schedule` document applier. */
    applySchedule(body: ScheduleBody): void;
    /** `test-tone` command handler (throws CommandRefused on refusal). */
    testTone(request: CommandRequest<'test-tone'>): Promise<CommandResponse<'test-tone'>>;
    /** `sc/v1/broadcast/alert` handler: validates the payload, then plays or cancels. */
    onAlertPayload(payload: Buffer | string): void;
    stop(): Promise<void>;
}
/** The radio of one hamlet cabinet: asset cache, journal and player, ready to wire into the daemon. */
export declare function createEdgeRadio(options: EdgeRadioOptions): EdgeRadio;
//# sourceMappingURL=service.d.ts.map