import { FRAME_BYTES, FRAME_MS, SAMPLE_RATE } from './pcm.js';
import { hrNow } from './timing.js';
/**
 * The first frame may leave up to this long before its instant, preceded in the same packet by
 * silence that places its first sample exactly on time (sample count, not timer precision, decides).
 * Small enough that the first RTP packet (≤ 15 ms of L16) still fits a 1500-byte Ethernet frame.
 */
export const FIRST_FRAME_EARLY_MS = 5;
/** Frames late by more than this after a stall are not sent in one burst: the item's timeline slips instead (no audio is lost). */
const MAX_BURST_MS = 200;
/** Silence before a frame: `ms` of it, to the nearest sample. */
function withLeadIn(frame, ms) {
    const samples = Math.round((ms * SAMPLE_RATE) / 1000);
    return samples > 0 ? Buffer.concat([Buffer.alloc(samples * 2), frame]) : frame;
}
/** One item on the output timeline, fed in 10 ms frames: frame n leaves at start + n × 10 ms. */
export class PlaySession {
    outputs;
    hooks;
    entry;
    resumed;
    maxFrames;
    zones;
    healthyZones;
    endReason;
    startHr;
    framesSent = 0;
    exhausted = false;
    slippedMs = 0;
    timer = null;
    stopped = false;
    constructor(init, outputs, hooks) {
        this.outputs = outputs;
        this.hooks = hooks;
        ({ entry: this.entry, resumed: this.resumed, startHr: this.startHr, maxFrames: this.maxFrames, zones: this.zones, healthyZones: this.healthyZones, endReason: this.endReason } = init);
    }
    start() {
        this.outputs.beginItem(this.zones);
        this.pump();
    }
    /** Nothing more is sent (the player ends the item on the outputs). */
    stop() {
        this.stopped = true;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
    }
    nextFrame() {
        const e = this.entry;
        if (e.pcm) {
            const from = (e.offsetFrames + this.framesSent) * FRAME_BYTES;
            return from < e.pcm.length ? e.pcm.subarray(from, Math.min(from + FRAME_BYTES, e.pcm.length)) : null;
        }
        return e.live?.read() ?? null;
    }
    sleep(ms) {
        this.timer = setTimeout(this.pump, Math.max(0, Math.floor(ms)));
    }
    /** Sends every frame that is due, then sleeps until the next one. */
    pump = () => {
        this.timer = null;
        if (this.stopped)
            return;
        for (;;) {
            const now = hrNow();
            const due = this.startHr + this.framesSent * FRAME_MS;
            if (this.exhausted || this.framesSent >= this.maxFrames) {
                if (due <= now + 0.5)
                    return this.hooks.onComplete(this, due);
                return this.sleep(due - now - 1);
            }
            const first = this.framesSent === 0;
            const early = first ? FIRST_FRAME_EARLY_MS : 1;
            if (due > now + early)
                return this.sleep(due - now - early + (first ? 1 : 0));
            if (now - due > MAX_BURST_MS) {
                const slip = now - due - FRAME_MS;
                this.startHr += slip;
                this.slippedMs += slip;
                continue;
            }
            let frame = this.nextFrame();
            if (!frame) {
                this.exhausted = true;
                continue;
            }
            if (first && due > now)
                frame = withLeadIn(frame, due - now);
            this.outputs.write(this.zones, frame, this.entry.item.volume);
            this.framesSent++;
            if (first)
                this.hooks.onFirstFrame(this, Math.max(due, now));
        }
    };
}
//# sourceMappingURL=play-session.js.map