import { type CommandRequest, type CommandResponse } from '@smart-commune/shared';
import type { RadioPlayer } from './player.js';
import type { PlayerClock } from './timing.js';
/** A sine in s16le 48 kHz mono, with 10 ms fades so the amplifier does not click. */
export declare function sineTone(opts: {
    frequencyHz: number;
    durationMs: number;
    amplitude?: number;
}): Buffer;
export interface TestToneOptions {
    /** The tone starts this long after the request (time to arm a precise start). Default 150 ms. */
    leadMs?: number;
    /** Longest wait for the timeline (a playing bulletin or emergency) before refusing. Default 5 s. */
    maxWaitMs?: number;
}
/**
 * The `test-tone` command: a sine played now, as an ad-hoc `priority` item (so never over an
 * emergency, and never cutting a bulletin: it waits up to maxWaitMs, then the command is refused
 * with code "busy"). Resolves when the first sample left, with that cloud time and the zones heard.
 */
export declare function playTestTone(player: RadioPlayer, clock: PlayerClock, request: CommandRequest<'test-tone'>, options?: TestToneOptions): Promise<CommandResponse<'test-tone'>>;
//# sourceMappingURL=test-tone.d.ts.map