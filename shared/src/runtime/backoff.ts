export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Fraction of the delay randomised (0..1), so a fleet does not reconnect in lock step. */
  jitter: number;
}

/** Exponential backoff with jitter; `next()` gives the delay before the next attempt, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const spread = base * this.options.jitter;
    return Math.round(base - spread + this.random() * 2 * spread);
  }

  reset(): void {
    this.attempt = 0;
  }
}
