import { randomUUID } from 'node:crypto';
import { TEST_TONE_SCHEDULE_ID } from '@smart-commune/shared';
import { CommandRefused } from '../fleet/commands.js';
import { SAMPLE_RATE } from './pcm.js';
/** A sine in s16le 48 kHz mono, with 10 ms fades so the amplifier does not click. */
export function sineTone(opts) {
    const n = Math.round((opts.durationMs / 1000) * SAMPLE_RATE);
    const fade = Math.min(Math.round(SAMPLE_RATE / 100), Math.floor(n / 2));
    const peak = 32767 * (opts.amplitude ?? 0.5);
    const pcm = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) {
        const envelope = Math.min(1, (i + 1) / fade, (n - i) / fade);
        pcm.writeInt16LE(Math.round(peak * envelope * Math.sin((2 * Math.PI * opts.frequencyHz * i) / SAMPLE_RATE)), i * 2);
    }
    return pcm;
}
/**
 * The `test-tone` command: a sine played now, as an ad-hoc `priority` item (so never over an
 * emergency, and never cutting a bulletin: it waits up to maxWaitMs, then the command is refused
 * with code "busy"). Resolves when the first sample left, with that cloud time and the zones heard.
 */
export async function playTestTone(player, clock, request, options = {}) {
    const known = player.zones();
    if (known.length === 0)
        throw new CommandRefused('no-speakers', 'this edge has no speakers configured');
    const unknown = (request.zones ?? []).filter((z) => !known.includes(z));
    if (unknown.length)
        throw new CommandRefused('unknown-zone', `no speaker on zone(s) ${unknown.join(', ')}; this edge has ${known.join(', ')}`);
    const pcm = sineTone({ frequencyHz: request.frequencyHz, durationMs: request.durationMs });
    const startAt = Math.round(clock.cloudNow() + (options.leadMs ?? 150));
    try {
        const started = await player.playPcm({
            occurrenceId: `${TEST_TONE_SCHEDULE_ID}:${randomUUID()}`,
            scheduleId: TEST_TONE_SCHEDULE_ID,
            bulletinId: null,
            title: `test tone ${request.frequencyHz} Hz`,
            startAt,
            durationMs: request.durationMs,
            priority: 'priority',
            volume: request.volume,
            zones: request.zones,
        }, pcm, options.maxWaitMs ?? 5000);
        return { startedAt: started.actualStartAt ?? startAt, zones: started.zones ?? [] };
    }
    catch (err) {
        const message = err.message;
        throw new CommandRefused(/busy|not started within/.test(message) ? 'busy' : 'failed', message);
    }
}
//# sourceMappingURL=test-tone.js.map