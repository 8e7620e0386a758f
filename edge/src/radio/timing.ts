import { performance } from 'node:perf_hooks';

/**
 * What the player needs of the box's clock: ClockSync satisfies it. Everything scheduled is in
 * cloud time; timers run on the local clock; pacing runs on the monotonic clock (performance.now).
 */
export interface PlayerClock {
  cloudNow(): number;
  toLocal(cloudTime: number): number;
  localNow(): number;
}

export const hrNow = (): number => performance.now();

/**
 * A (local clock, monotonic clock) pair read at the instant the local clock ticks, so a millisecond
 * clock such as Date.now() maps to the monotonic clock to well under a millisecond.
 */
export function correlate(localNow: () => number, budgetMs = 2): { local: number; hr: number } {
  const first = localNow();
  const deadline = performance.now() + budgetMs;
  for (;;) {
    const hr = performance.now();
    const local = localNow();
    if (local !== first || hr > deadline) return { local, hr };
  }
}

/** The monotonic instant that corresponds to a cloud-clock instant. */
export function cloudToHr(clock: PlayerClock, cloudTime: number): number {
  const { local, hr } = correlate(() => clock.localNow());
  return hr + (clock.toLocal(cloudTime) - local);
}

/** The last stretch before a start is waited in setImmediate turns: timers are often 1–3 ms late. */
const SPIN_MS = 8;

/**
 * Waits until a monotonic instant: timers while far, setImmediate turns (I/O still served) for the
 * last SPIN_MS, a busy wait for the last 0.3 ms. False when cancelled first.
 */
export async function waitUntilHr(target: number, cancelled: () => boolean = () => false): Promise<boolean> {
  for (;;) {
    if (cancelled()) return false;
    const left = target - performance.now();
    if (left <= 0) return true;
    if (left > SPIN_MS + 1) await new Promise((r) => setTimeout(r, left - SPIN_MS));
    else if (left > 0.3) await new Promise((r) => setImmediate(r));
    else {
      while (performance.now() < target) {
        /* the last fraction of a millisecond */
      }
      return true;
    }
  }
}
