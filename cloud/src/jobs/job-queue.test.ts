import { setImmediate as settle } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { JobQueue, type JobPriority } from './job-queue.js';

/** Jobs that run until the test finishes them, recording the order in which they started. */
function harness(queue: JobQueue) {
  const started: string[] = [];
  const finish = new Map<string, (fail?: Error) => void>();
  const add = (name: string, priority: JobPriority = 'normal') =>
    queue.run(priority, () => {
      started.push(name);
      return new Promise<string>((resolve, reject) => finish.set(name, (fail) => (fail ? reject(fail) : resolve(name))));
    });
  const done = async (name: string, fail?: Error) => {
    finish.get(name)!(fail);
    await settle();
  };
  return { started, add, done };
}

describe('JobQueue', () => {
  it('starts jobs in the order they came, as places free up', async () => {
    const { started, add, done } = harness(new JobQueue({ concurrency: 1 }));
    const results = ['a', 'b', 'c', 'd'].map((name) => add(name));
    await settle();
    expect(started).toEqual(['a']);
    for (const name of ['a', 'b', 'c']) await done(name);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    await done('d');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('never runs more than its concurrency at once, and keeps the rest waiting', async () => {
    const queue = new JobQueue({ concurrency: 3 });
    const { started, add, done } = harness(queue);
    const names = Array.from({ length: 10 }, (_, i) => `job-${i}`);
    const all = Promise.all(names.map((name) => add(name)));
    await settle();
    expect(queue.stats).toEqual({ running: 3, queued: 7, peakRunning: 3 });
    for (const name of names) {
      await done(name);
      expect(queue.stats.running).toBeLessThanOrEqual(3);
    }
    await all;
    expect(started).toEqual(names);
    expect(queue.stats).toEqual({ running: 0, queued: 0, peakRunning: 3 });
  });

  it('starts an urgent job (an alert) before every waiting normal one (bulletins)', async () => {
    const { started, add, done } = harness(new JobQueue({ concurrency: 1 }));
    void add('bulletin-1');
    void add('bulletin-2');
    void add('bulletin-3');
    void add('alert', 'urgent');
    await settle();
    expect(started).toEqual(['bulletin-1']);
    await done('bulletin-1');
    expect(started).toEqual(['bulletin-1', 'alert']);
    await done('alert');
    await done('bulletin-2');
    expect(started).toEqual(['bulletin-1', 'alert', 'bulletin-2', 'bulletin-3']);
  });

  it('lets urgent jobs take the reserved places while normal ones wait for the ordinary ones', async () => {
    const queue = new JobQueue({ concurrency: 1, urgentReserve: 1 });
    const { started, add, done } = harness(queue);
    void add('bulletin-1');
    void add('bulletin-2');
    void add('alert-1', 'urgent');
    void add('alert-2', 'urgent');
    await settle();
    expect(started).toEqual(['bulletin-1', 'alert-1']);
    await done('alert-1');
    expect(started).toEqual(['bulletin-1', 'alert-1', 'alert-2']);
    await done('alert-2');
    expect(started).toHaveLength(3); // bulletin-1 still holds the only ordinary place
    await done('bulletin-1');
    expect(started.at(-1)).toBe('bulletin-2');
    expect(queue.stats.peakRunning).toBe(2);
  });

  it('gives the place back when a job fails or throws before it returns a promise', async () => {
    const queue = new JobQueue({ concurrency: 1 });
    const { started, add, done } = harness(queue);
    const failing = add('fails').catch((err: Error) => err.message);
    const throwing = queue
      .run('normal', () => {
        throw new Error('could not start');
      })
      .catch((err: Error) => err.message);
    const next = add('next');
    await settle();
    await done('fails', new Error('ffmpeg exited with code 1'));
    expect(await failing).toBe('ffmpeg exited with code 1');
    expect(await throwing).toBe('could not start');
    expect(started).toEqual(['fails', 'next']);
    await done('next');
    expect(await next).toBe('next');
    expect(queue.stats).toMatchObject({ running: 0, queued: 0 });
  });

  it('tells listeners how long each job waited', async () => {
    let now = 0;
    const queue = new JobQueue({ concurrency: 1, now: () => now });
    const waits: [JobPriority, number][] = [];
    const stop = queue.onStart((priority, waitedMs) => waits.push([priority, waitedMs]));
    const { add, done } = harness(queue);
    void add('first');
    void add('alert', 'urgent');
    await settle();
    now = 1500;
    await done('first');
    stop();
    await done('alert');
    void add('unheard');
    expect(waits).toEqual([
      ['normal', 0],
      ['urgent', 1500],
    ]);
  });
});
