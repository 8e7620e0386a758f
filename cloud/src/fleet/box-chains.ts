/**
 * One promise chain per box: work given for a box runs after the work given before it for the same
 * box, and boxes do not wait for each other. With the stores async, this is what keeps one box's
 * MQTT messages applied in the order they arrived and its document versions published in the order
 * they were stored. A failed step is its caller's to handle; the box's next step still runs.
 */
export class BoxChains {
  private readonly chains = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.chains.get(key) ?? Promise.resolve()).then(work);
    const link = result.catch(() => undefined);
    this.chains.set(key, link);
    void link.then(() => {
      if (this.chains.get(key) === link) this.chains.delete(key);
    });
    return result;
  }

  /** Resolves when every step given so far has ended (at stop, before the database closes). */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }
}
