/** s16le 48 kHz mono: 96 bytes a millisecond, 1920 bytes a 20 ms frame. */
export const BYTES_PER_MS = 96;
export const FRAME_MS = 20;
export const FRAME_BYTES = FRAME_MS * BYTES_PER_MS;

export interface PacerOptions {
  /** Audio gathered after a (re)connection or an underrun before it is played out: absorbs the network's jitter. */
  prebufferMs: number;
  /**
   * The most audio held: a station's burst on connect (Icecast) or whole segments (HLS) fit; what
   * passes it (a source clock faster than the cloud's) is dropped oldest first.
   */
  maxBufferMs: number;
  /** Where the frames go (the live session's input). */
  write(frame: Buffer): void;
  /** Monotonic milliseconds (performance.now). */
  clock(): number;
}

/** What went out: audio from the station, and the frames it had nothing for (the session plays silence there). */
export interface PacerCounts {
  playedMs: number;
  silenceMs: number;
  droppedMs: number;
}

/**
 * Turns what ffmpeg decodes, in whatever bursts the network delivers it, into one 20 ms frame per
 * 20 ms of real time: the live session expects its input in real time, and counting frames here is
 * what tells proof of play how much of a window was the station and how much silence. The count
 * is by the clock, not by timer ticks, so a late tick catches up and nothing drifts.
 */
export class PcmPacer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private priming = true;
  private started: number | null = null;
  private framesDone = 0;
  private timer: NodeJS.Timeout | null = null;
  readonly counts: PacerCounts = { playedMs: 0, silenceMs: 0, droppedMs: 0 };

  constructor(private readonly options: PacerOptions) {}

  start(): void {
    if (this.started !== null) return;
    this.started = this.options.clock();
    this.timer = setInterval(() => this.tick(), FRAME_MS / 2);
  }

  /** Stops the clock after accounting for the frames due until now. */
  stop(): PacerCounts {
    if (this.timer) this.tick();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return { ...this.counts };
  }

  /**
   * Keeps only the newest `ms` of what is buffered (counted as dropped): a station connected ahead of
   * its window goes on air with the prebuffer's latency, not with everything gathered meanwhile.
   */
  trimTo(ms: number): void {
    const keep = ms * BYTES_PER_MS;
    if (this.buffered > keep) this.discard(this.buffered - keep);
  }

  /** Decoded PCM from the station. */
  push(pcm: Buffer): void {
    if (pcm.length === 0) return;
    this.chunks.push(pcm);
    this.buffered += pcm.length;
    const max = this.options.maxBufferMs * BYTES_PER_MS;
    if (this.buffered > max) this.discard(this.buffered - max);
  }

  /** The connection is gone: what is buffered still plays, then silence until the next one has primed. */
  get bufferedMs(): number {
    return Math.floor(this.buffered / BYTES_PER_MS);
  }

  tick(): void {
    if (this.started === null) return;
    const due = Math.floor((this.options.clock() - this.started) / FRAME_MS);
    while (this.framesDone < due) {
      this.framesDone++;
      if (this.priming && this.buffered >= this.options.prebufferMs * BYTES_PER_MS) this.priming = false;
      if (!this.priming && this.buffered >= FRAME_BYTES) {
        this.options.write(this.take(FRAME_BYTES));
        this.counts.playedMs += FRAME_MS;
      } else {
        // an underrun: gather the prebuffer again rather than play the stream in 20 ms crumbs
        this.priming = true;
        this.counts.silenceMs += FRAME_MS;
      }
    }
  }

  private take(bytes: number): Buffer {
    const out = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, bytes - filled);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.buffered -= bytes;
    return out;
  }

  private discard(bytes: number): void {
    // whole samples only, so the stream never shifts by one byte
    const even = bytes + (bytes % 2);
    this.take(Math.min(even, this.buffered - (this.buffered % 2)));
    this.counts.droppedMs += Math.round(even / BYTES_PER_MS);
  }
}
