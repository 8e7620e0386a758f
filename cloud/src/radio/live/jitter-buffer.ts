/** 20 ms of s16le 48 kHz mono: the live clock's frame. */
export const LIVE_FRAME_MS = 20;
export const LIVE_FRAME_BYTES = (48_000 * LIVE_FRAME_MS * 2) / 1000;

export interface JitterBufferOptions {
  /**
   * After an underrun (and at the start), frames are taken again only once this much is buffered:
   * input that arrives in bursts (a mobile link) then plays without a gap between bursts.
   */
  targetMs: number;
  /** More than this buffered (the producer got ahead, or a burst after a stall): the oldest is dropped so the delay stays bounded. */
  maxMs: number;
  /**
   * How long the buffer must have held more than the target, at its lowest, before the surplus is
   * played away (default 2000 ms; 0: never). See `take()`.
   */
  settleMs?: number;
}

/** A frame this quiet (RMS) is a pause in speech: the first to go when surplus is played away. */
const QUIET_RMS = 300;
/**
 * Surplus is played away at most one frame in this many when no frame is quiet: a 20 ms skip every
 * half second (4 % faster) is hard to hear in music, and speech has pauses that go first.
 */
const TRIM_EVERY = 25;

/**
 * The producer's PCM between its writes (any length, any moment) and the session's clock (one frame
 * every 20 ms). Returns null when it has nothing to give: the clock then sends silence.
 */
export class JitterBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** Odd byte left from a write, kept so samples stay aligned. */
  private pending: Buffer | null = null;
  private filling = true;
  underruns = 0;
  droppedBytes = 0;
  /** 20 ms frames played away as surplus latency (take()). */
  trimmedFrames = 0;
  /** The least buffered since the current settling window began, and that window's age in frames. */
  private lowestMs = Infinity;
  private windowFrames = 0;
  /** Surplus still to play away, and frames given since the last one was. */
  private surplusMs = 0;
  private sinceTrim = 0;

  constructor(private readonly options: JitterBufferOptions) {}

  get bufferedMs(): number {
    return (this.bytes / LIVE_FRAME_BYTES) * LIVE_FRAME_MS;
  }

  write(pcm: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, pcm]) : pcm;
    this.pending = null;
    if (data.length % 2 === 1) {
      this.pending = Buffer.from(data.subarray(data.length - 1));
      data = data.subarray(0, data.length - 1);
    }
    if (data.length === 0) return;
    this.chunks.push(Buffer.from(data)); // a copy: the producer may reuse its buffer
    this.bytes += data.length;
    const max = (this.options.maxMs / LIVE_FRAME_MS) * LIVE_FRAME_BYTES;
    if (this.bytes > max) this.skip(this.bytes - max);
  }

  /**
   * The next 20 ms frame, or null (underrun, or still filling up to the target).
   *
   * What is buffered beyond the target is delay every listener hears, and nothing else removes it:
   * audio that arrived in a clump (the decoder starting while the operator already spoke, a stall
   * of the link released at once, a refill after an underrun followed by the late pieces) would stay
   * buffered for the whole session, up to `maxMs`. So when the buffer has not gone below the target
   * plus a frame for `settleMs`, the link evidently does not need that surplus: it is played away,
   * a quiet frame (a pause between words) whenever one comes, else one frame in TRIM_EVERY.
   */
  take(): Buffer | null {
    const target = (this.options.targetMs / LIVE_FRAME_MS) * LIVE_FRAME_BYTES;
    if (this.filling) {
      if (this.bytes < Math.max(target, LIVE_FRAME_BYTES)) return null;
      this.filling = false;
    }
    if (this.bytes < LIVE_FRAME_BYTES) {
      // a partial frame is kept for when the rest comes: refill first
      this.underruns++;
      this.filling = true;
      this.surplusMs = 0;
      this.lowestMs = Infinity;
      this.windowFrames = 0;
      return null;
    }
    let frame = this.next();
    this.sinceTrim++;
    if (this.surplusMs >= LIVE_FRAME_MS && this.bytes >= LIVE_FRAME_BYTES && (isQuiet(frame) || this.sinceTrim >= TRIM_EVERY)) {
      this.trimmedFrames++;
      this.surplusMs -= LIVE_FRAME_MS;
      this.sinceTrim = 0;
      frame = this.next();
    }
    this.settle();
    return frame;
  }

  /** Tracks the lowest level over each settling window; a window that never needed its surplus hands it to take(). */
  private settle(): void {
    const settleMs = this.options.settleMs ?? 2000;
    if (settleMs <= 0) return;
    this.lowestMs = Math.min(this.lowestMs, this.bufferedMs);
    if (++this.windowFrames * LIVE_FRAME_MS < settleMs) return;
    const surplus = this.lowestMs - this.options.targetMs - LIVE_FRAME_MS;
    this.surplusMs = surplus >= LIVE_FRAME_MS ? surplus : 0;
    this.lowestMs = Infinity;
    this.windowFrames = 0;
  }

  private next(): Buffer {
    const out = Buffer.allocUnsafe(LIVE_FRAME_BYTES);
    let filled = 0;
    while (filled < LIVE_FRAME_BYTES) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, LIVE_FRAME_BYTES - filled);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.bytes -= LIVE_FRAME_BYTES;
    return out;
  }

  /** Everything still buffered, as whole frames (the last padded with silence): the session's last words. */
  drain(): Buffer[] {
    const frames: Buffer[] = [];
    this.filling = false;
    while (this.bytes >= LIVE_FRAME_BYTES) frames.push(this.next());
    if (this.bytes > 0) {
      const last = Buffer.alloc(LIVE_FRAME_BYTES);
      Buffer.concat(this.chunks).copy(last);
      frames.push(last);
      this.chunks = [];
      this.bytes = 0;
    }
    return frames;
  }

  private skip(n: number): void {
    n -= n % 2;
    this.droppedBytes += n;
    this.bytes -= n;
    while (n > 0) {
      const head = this.chunks[0]!;
      if (head.length <= n) {
        n -= head.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = head.subarray(n);
        n = 0;
      }
    }
  }
}

function isQuiet(frame: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < frame.length; i += 2) sum += frame.readInt16LE(i) ** 2;
  return Math.sqrt(sum / (frame.length / 2)) < QUIET_RMS;
}
