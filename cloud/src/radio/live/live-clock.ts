import { LIVE_FRAME_MS } from './jitter-buffer.js';

/**
 * The session's clock: calls `tick(k)` for frame k once its 20 ms have passed (frame k covers
 * [start + 20k, start + 20(k+1)) ms), on the monotonic clock, never drifting; after a stall of the
 * event loop the missed frames are produced at once, so the stream's time stays the cloud's time.
 */
export class LiveClock {
  private readonly startHr = performance.now();
  private frames = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly tick: (k: number) => void) {}

  start(): void {
    this.schedule();
  }

  /** Frames produced so far. */
  get produced(): number {
    return this.frames;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    const due = this.startHr + (this.frames + 1) * LIVE_FRAME_MS;
    this.timer = setTimeout(this.run, Math.max(0, due - performance.now()));
  }

  private readonly run = (): void => {
    this.timer = null;
    const now = performance.now();
    while (!this.stopped && this.startHr + (this.frames + 1) * LIVE_FRAME_MS <= now + 0.5) {
      this.tick(this.frames);
      this.frames++;
    }
    this.schedule();
  };
}
