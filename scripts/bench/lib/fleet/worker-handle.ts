import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from './common.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** The simulator processes seen from the orchestrator: start, wait for a reply by type, ask stats, stop. */

/** The entry script; started with `--worker`, it runs a simulator process. */
const ENTRY = fileURLToPath(new URL('../../fleet.ts', import.meta.url));

export interface WorkerHandle {
  child: ChildProcess;
  index: number;
  /** Messages nobody waited for yet, and the waiters per message type. */
  inbox: FromWorker[];
  waiters: Map<string, ((msg: FromWorker) => void)[]>;
}

export function startWorker(index: number): WorkerHandle {
  const child = fork(ENTRY, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
  const handle: WorkerHandle = { child, index, inbox: [], waiters: new Map() };
  child.on('message', (msg: FromWorker) => {
    const waiter = handle.waiters.get(msg.type)?.shift();
    if (waiter) waiter(msg);
    else handle.inbox.push(msg);
  });
  return handle;
}

export function expect<T extends FromWorker['type']>(w: WorkerHandle, type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
  const queued = w.inbox.findIndex((m) => m.type === type);
  if (queued >= 0) return Promise.resolve(w.inbox.splice(queued, 1)[0] as Extract<FromWorker, { type: T }>);
  return new Promise((resolveMsg, reject) => {
    const list = w.waiters.get(type) ?? [];
    w.waiters.set(type, list);
    const waiter = (msg: FromWorker) => {
      clearTimeout(timer);
      resolveMsg(msg as Extract<FromWorker, { type: T }>);
    };
    const timer = setTimeout(() => {
      list.splice(list.indexOf(waiter), 1);
      reject(new Error(`worker ${w.index}: no "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    list.push(waiter);
  });
}

/** Like expect(), but resolves null on timeout (the waiter stays registered and is ignored). */
export async function expectOrNull<T extends FromWorker['type']>(w: WorkerHandle, type: T, timeoutMs: number) {
  return expect(w, type, timeoutMs).catch(() => null);
}

/** Every worker's counters (and, with ids, which edges are connected); reset restarts its loop-delay histogram. */
export function askStats(workers: readonly WorkerHandle[], reset: boolean, ids = false) {
  return Promise.all(workers.map(async (w) => (w.child.send({ type: 'stats', reset, ...(ids ? { ids } : {}) } satisfies ToWorker), expect(w, 'stats', 10_000))));
}

/** Asks the worker to stop its edges; SIGKILL if it has not exited within 5 s. */
export async function stopWorker(w: WorkerHandle): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  try {
    w.child.send({ type: 'stop' } satisfies ToWorker);
  } catch {
    // already gone
  }
  const exited = new Promise<void>((r) => w.child.once('exit', () => r()));
  await Promise.race([exited, sleep(5000)]);
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
}
