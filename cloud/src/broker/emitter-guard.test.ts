import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { Fifo, guardRouting } from './emitter-guard.js';

type Message = { topic: string; n?: number };
interface Router {
  on(topic: string, notify: (message: Message, cb: () => void) => void): void;
  emit(message: Message, cb?: () => void): void;
}

describe('Fifo', () => {
  it('gives items back in order through growth and compaction, and undefined when empty', () => {
    const fifo = new Fifo<number>();
    expect(fifo.shift()).toBeUndefined();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3000; i++) fifo.push(next++);
      for (let i = 0; i < 2500; i++) expect(fifo.shift()).toBe(expected++);
    }
    expect(fifo.length).toBe(next - expected);
    while (fifo.length) expect(fifo.shift()).toBe(expected++);
    expect(expected).toBe(next);
    expect(fifo.shift()).toBeUndefined();
  });
});

describe('guardRouting on Aedes\' own router', () => {
  let aedes: Aedes | null = null;
  afterEach(async () => {
    if (aedes) await new Promise<void>((resolve) => aedes!.close(() => resolve()));
    aedes = null;
  });

  /**
   * What a subscriber that stops reading does: its deliveries hold every routing slot, everything
   * else queues; then its socket drains and the backlog is routed. Unguarded, mqemitter routes the
   * queue by recursion and this throws "RangeError: Maximum call stack size exceeded".
   */
  it('works off a backlog of 20,000 held behind stalled deliveries, in order, without overflowing the stack', async () => {
    aedes = await Aedes.createBroker();
    const mq = (aedes as unknown as { mq: Router }).mq;
    const backlog = guardRouting(mq);
    const held: Array<() => void> = [];
    const seen: number[] = [];
    mq.on('stalled/#', (_message, cb) => held.push(cb));
    mq.on('fast/#', (message, cb) => {
      seen.push(message.n!);
      cb(); // synchronously, as the cloud's in-process handlers do
    });
    for (let i = 0; i < 100; i++) mq.emit({ topic: 'stalled/x' }); // Aedes' 100 slots, all held
    const routed: number[] = [];
    for (let n = 0; n < 20_000; n++) mq.emit({ topic: `fast/${n % 7}`, n }, () => routed.push(n));
    expect(seen).toEqual([]);
    expect(backlog.queued()).toBe(20_000);

    for (const cb of held.splice(0)) cb();
    await waitFor(() => seen.length === 20_000, 'the backlog routed');
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, n) => n));
    expect(routed).toEqual(seen);
    expect(backlog.queued()).toBe(0);
  });

  it('refuses a router it does not know rather than leaving it unguarded', () => {
    expect(() => guardRouting({ _do() {} })).toThrow(/mqemitter upgraded/);
  });
});
