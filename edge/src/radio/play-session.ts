import { FRAME_BYTES, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE } from './pcm.js';
import type { Entry } from './player-entry.js';
import type { SpeakerOutputs } from './speaker-outputs.js';
import { hrNow } from './timing.js';

/**
 * The first frame may leave up to this long before its instant, preceded in the same packet by
 * silence that places its first sample exactly on time (sample count, not timer precision, decides).
 * Small enough that the first RTP packet (≤ 15 ms of L16) still fits a 1500-byte Ethernet frame.
 */
export const FIRST_FRAME_EARLY_MS = 5;
/** Frames late by more than this after a stall are not sent in one burst: the item's timeline slips instead (no audio is lost). */
const MAX_BURST_MS = 200;

export interface PlaySessionInit {
  entry: Entry;
  resumed: boolean;
  /** Monotonic instant of the first sample. */
  startHr: number;
  maxFrames: number;
  zones: string[];
  healthyZones: string[];
  /** Already known to go in the final report (zones not heard). */
  endReason: string | null;
  /** A live session: the stream sample heard at startHr (sample k plays at epoch + k/48 ms). */
  liveFrom?: number;
}

export interface PlaySessionHooks {
  /** The first frame left; its first sample is heard at `firstSampleHr`. */
  onFirstFrame(session: PlaySession, firstSampleHr: number): void;
  /** The item ran out; its last frame ends at `endHr`. */
  onComplete(session: PlaySession, endHr: number): void;
}

/** Silence before a frame: `ms` of it, to the nearest sample. */
function withLeadIn(frame: Buffer, ms: number): Buffer {
  const samples = Math.round((ms * SAMPLE_RATE) / 1000);
  return samples > 0 ? Buffer.concat([Buffer.alloc(samples * 2), frame]) : frame;
}

/** One item on the output timeline, fed in 10 ms frames: frame n leaves at start + n × 10 ms. */
export class PlaySession {
  readonly entry: Entry;
  readonly resumed: boolean;
  readonly maxFrames: number;
  readonly zones: string[];
  readonly healthyZones: string[];
  readonly endReason: string | null;
  startHr: number;
  framesSent = 0;
  exhausted = false;
  slippedMs = 0;
  /** A live session's stream position of the next frame: it follows the clock, not the frames sent. */
  livePos: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    init: PlaySessionInit,
    private readonly outputs: SpeakerOutputs,
    private readonly hooks: PlaySessionHooks,
  ) {
    ({ entry: this.entry, resumed: this.resumed, startHr: this.startHr, maxFrames: this.maxFrames, zones: this.zones, healthyZones: this.healthyZones, endReason: this.endReason } = init);
    this.livePos = init.liveFrom ?? 0;
  }

  start(): void {
    this.outputs.beginItem(this.zones);
    this.pump();
  }

  /** Nothing more is sent (the player ends the item on the outputs). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private nextFrame(): Buffer | null {
    const e = this.entry;
    if (e.pcm) {
      const from = (e.offsetFrames + this.framesSent) * FRAME_BYTES;
      return from < e.pcm.length ? e.pcm.subarray(from, Math.min(from + FRAME_BYTES, e.pcm.length)) : null;
    }
    if (e.liveStream) return e.liveStream.read(this.livePos, FRAME_SAMPLES);
    return e.live?.read() ?? null;
  }

  /**
   * Moves the item's timeline `ms` later; a live session stays on the shared clock (sample k at
   * epoch + k/48 ms), so what those ms took is skipped in the stream, not delayed.
   */
  private reanchor(ms: number): void {
    this.startHr += ms;
    if (this.entry.liveStream) this.livePos += Math.round((ms * SAMPLE_RATE) / 1000);
  }

  private sleep(ms: number): void {
    this.timer = setTimeout(this.pump, Math.max(0, Math.floor(ms)));
  }

  /** Sends every frame that is due, then sleeps until the next one. */
  private readonly pump = (): void => {
    this.timer = null;
    if (this.stopped) return;
    for (;;) {
      const now = hrNow();
      let due = this.startHr + this.framesSent * FRAME_MS;
      if (this.exhausted || this.framesSent >= this.maxFrames) {
        if (due <= now + 0.5) return this.hooks.onComplete(this, due);
        return this.sleep(due - now - 1);
      }
      const first = this.framesSent === 0;
      const early = first ? FIRST_FRAME_EARLY_MS : 1;
      if (due > now + early) return this.sleep(due - now - early + (first ? 1 : 0));
      if (first && this.entry.liveStream && now > due) {
        // a live start that leaves late (a box joining after the epoch, a busy event loop, a spawn
        // between the decision and this frame): its first packet carries the stream at the instant it
        // leaves, not at the instant planned. A loudspeaker times a talkspurt from its first packet,
        // so a first packet sent late with the audio of its planned instant (the rest following in a
        // burst) would make it play the whole session that much behind the other hamlets.
        this.reanchor(now - due);
        due = now;
      }
      if (now - due > MAX_BURST_MS) {
        const slip = now - due - FRAME_MS;
        this.reanchor(slip);
        this.slippedMs += slip;
        // a live session skips the stall's audio: the loudspeakers' media clock (RTP timestamp) moves
        // on with it, so a receiver playing by timestamp stays on the shared clock. (An asset's
        // timeline slips without losing audio; its timestamps stay contiguous, as before.)
        if (this.entry.liveStream) this.outputs.skip(this.zones, Math.round((slip * SAMPLE_RATE) / 1000));
        continue;
      }
      let frame = this.nextFrame();
      if (!frame) {
        this.exhausted = true;
        continue;
      }
      if (first && due > now) frame = withLeadIn(frame, due - now);
      this.outputs.write(this.zones, frame, this.entry.item.volume);
      this.framesSent++;
      this.livePos += FRAME_SAMPLES;
      if (first) this.hooks.onFirstFrame(this, Math.max(due, now));
    }
  };
}
