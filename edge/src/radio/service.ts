import { join } from 'node:path';
import {
  alertMessageSchema,
  decodePayload,
  liveDocSchema,
  type CommandRequest,
  type CommandResponse,
  type PlaybackEvent,
  type RadioSettings,
  type ScheduleBody,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { EdgeIdentity } from './alerts.js';
import { AssetCache } from './asset-cache.js';
import type { DeviceCredentials } from '../link/device-http.js';
import { FileJournal } from './journal.js';
import { RadioPlayer, type RadioPlayerOptions } from './player.js';
import { playTestTone, type TestToneOptions } from './test-tone.js';
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
  /** `sc/v1/broadcast/live` handler (retained): validates the document, then plays or stops the sessions for this box. */
  onLivePayload(payload: Buffer | string): void;
  stop(): Promise<void>;
}

/** The radio of one hamlet cabinet: asset cache, journal and player, ready to wire into the daemon. */
export function createEdgeRadio(options: EdgeRadioOptions): EdgeRadio {
  const cache = new AssetCache({
    dir: join(options.dataDir, 'radio', 'assets'),
    cloudUrl: options.cloudUrl,
    credentials: options.credentials,
    logger: options.logger,
  });
  const player = new RadioPlayer({
    ...options.player,
    clock: options.clock,
    cache,
    journal: new FileJournal(join(options.dataDir, 'radio', 'journal.json')),
    onPlayback: options.onPlayback,
    logger: options.logger,
    driverOptions: { sdpDir: join(options.dataDir, 'radio', 'sdp'), ...options.player?.driverOptions },
    live: { cloudUrl: options.cloudUrl, credentials: options.credentials },
  });
  return {
    player,
    cache,
    configure: (settings) => player.configure(settings),
    applySchedule: (body) => player.load(body),
    testTone: (request) => playTestTone(player, options.clock, request, options.testTone),
    onAlertPayload(payload) {
      const decoded = decodePayload(alertMessageSchema, payload);
      if (!decoded.ok) {
        options.logger?.warn({ reason: decoded.reason }, 'alert broadcast rejected');
        return;
      }
      player.handleAlert(decoded.value, options.identity);
    },
    onLivePayload(payload) {
      if (payload.length === 0) return; // a cleared retained message
      const decoded = decodePayload(liveDocSchema, payload);
      if (!decoded.ok) {
        options.logger?.warn({ reason: decoded.reason }, 'live document rejected');
        return;
      }
      player.handleLive(decoded.value, options.identity.edgeId);
    },
    stop: () => player.stop(),
  };
}
