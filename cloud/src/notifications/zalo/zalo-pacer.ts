const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spaces the channel's calls to Zalo at most `ratePerS` a second, all sends together, and holds
 * them all while Zalo says the limit was reached (-32 or HTTP 429): Zalo's limit is per app and
 * per OA, so one send told to slow down means every send must.
 */
export class RatePacer {
  private nextSlot = 0;
  private pausedUntil = 0;
  private readonly intervalMs: number;

  constructor(
    ratePerS: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = 1000 / ratePerS;
  }

  /** Resolves when this call may go. */
  async slot(): Promise<void> {
    for (;;) {
      const at = Math.max(this.now(), this.nextSlot, this.pausedUntil);
      this.nextSlot = at + this.intervalMs;
      const wait = at - this.now();
      if (wait > 0) await sleep(wait);
      // a pause that began while this call waited holds it too
      if (this.pausedUntil <= this.now()) return;
    }
  }

  /** No call before now + ms. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  get pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }
}
