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
}

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

  /** The next 20 ms frame, or null (underrun, or still filling up to the target). */
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
      return null;
    }
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
    while (this.bytes >= LIVE_FRAME_BYTES) frames.push(this.take()!);
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
