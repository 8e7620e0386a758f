import { join } from 'node:path';
import { alertMessageSchema, decodePayload, } from '@smart-commune/shared';
import { AssetCache } from './asset-cache.js';
import { FileJournal } from './journal.js';
import { RadioPlayer } from './player.js';
import { playTestTone } from './test-tone.js';
/** The radio of one hamlet cabinet: asset cache, journal and player, ready to wire into the daemon. */
export function createEdgeRadio(options) {
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
        stop: () => player.stop(),
    };
}
//# sourceMappingURL=service.js.map