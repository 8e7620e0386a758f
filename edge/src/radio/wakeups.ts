/**
 * A bounded wait for a condition that changes when something arrives (decoded audio, the cloud's
 * answer): the side that receives calls wake() at each change, so the waiter neither polls nor
 * misses the moment, and a deadline bounds the wait when nothing comes.
 */
export class Wakeups {
  private readonly waiters: Array<() => void> = [];

  /** Resolves once `done()` holds (checked at each wake) or the deadline (Date.now() ms) has passed. */
  async until(done: () => boolean, deadline: number): Promise<void> {
    while (!done() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Something changed: every waiter checks its condition again. */
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
