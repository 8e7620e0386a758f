/**
 * Keeps Aedes' message router (mqemitter 7) alive and linear when a backlog builds up.
 *
 * Why: mqemitter routes at most `concurrency` (Aedes: 100) messages at once and queues the rest.
 * A delivery to a client whose socket is full waits for 'drain' and holds its slot, so a subscriber
 * that stops reading soon holds every slot and all traffic queues behind it, up to Aedes' drain
 * timeout (60 s, then that client is closed). Two things then go wrong in mqemitter:
 * - the queue is worked off by recursion: each message whose deliveries finish synchronously (the
 *   cloud's in-process handlers, no subscriber) starts the next one from inside its own callback,
 *   so a backlog of some thousands throws "RangeError: Maximum call stack size exceeded" in
 *   qlobber/mqemitter and the cloud dies — the crash measured under a flood (issue 11), reproduced
 *   in broker-backlog.test.ts. It is mqemitter's open issue mcollina/mqemitter#204; its
 *   maintainer's suggested fix is the one here: past a nesting depth, the next message is routed
 *   from a fresh stack (setImmediate);
 * - the queue is an array emptied with shift(), which copies the rest of a large array each time:
 *   working off a backlog of n messages costs n² (100,000 queued took tens of seconds, the event
 *   loop blocked meanwhile). Here it is a FIFO whose shift costs O(1).
 */

/** What this guard touches of an mqemitter 7 instance. */
interface Emitter {
  _do(message: unknown, callback: unknown): unknown;
  /** Messages being routed: while the deferred one keeps its slot, later ones queue behind it. */
  current: number;
  _messageQueue: unknown;
  _messageCallbacks: unknown;
  /** Messages queued, waiting for a routing slot. */
  readonly length: number;
}

/** Nested routings before the next one is deferred: about a dozen stack frames each. */
export const MAX_ROUTING_DEPTH = 100;
/** Deferred messages routed per turn of the event loop. */
const DEFERRED_BATCH = 1000;

/** A first-in first-out queue with the three array members mqemitter uses (push, shift, length), each O(1). */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): number {
    this.items.push(item);
    return this.length;
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // released for the garbage collector at once
    // compact once the consumed part is the larger half: amortised O(1), memory within 2× the queue
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export interface RoutingBacklog {
  /** Messages waiting for a routing slot now. */
  queued(): number;
}

/**
 * Replaces the emitter's queues with FIFOs and wraps its routing so that nested routings stop at
 * `maxDepth`; the rest are routed from a fresh stack, in batches. Message order is kept: routing
 * starts in the order messages were emitted, as mqemitter does (a deferred message keeps its slot,
 * and whatever comes to be routed while some wait goes behind them). Call it before the broker
 * routes anything (its queues must be empty).
 */
export function guardRouting(mq: unknown, maxDepth = MAX_ROUTING_DEPTH): RoutingBacklog {
  const emitter = mq as Partial<Emitter>;
  if (
    typeof emitter._do !== 'function' ||
    typeof emitter.current !== 'number' ||
    !Array.isArray(emitter._messageQueue) ||
    !Array.isArray(emitter._messageCallbacks)
  ) {
    throw new Error('the Aedes message router is not the mqemitter this guard knows (_do, current, _messageQueue, _messageCallbacks): mqemitter upgraded?');
  }
  if (emitter._messageQueue.length > 0) throw new Error('guardRouting() must run before the broker routes any message');
  emitter._messageQueue = new Fifo<unknown>();
  emitter._messageCallbacks = new Fifo<unknown>();

  const route = emitter._do;
  const guarded = emitter as Emitter;
  /** Messages whose routing waits for a fresh stack, each holding its slot (counted in `current`). */
  const deferred = new Fifo<[unknown, unknown]>();
  let depth = 0;
  let scheduled = false;

  const routeNow = (message: unknown, callback: unknown) => {
    depth++;
    try {
      route.call(guarded, message, callback);
    } finally {
      depth--;
    }
  };
  const drain = () => {
    scheduled = false;
    // a batch per turn of the event loop, so sockets and timers are served while a backlog is worked off
    for (let i = 0; i < DEFERRED_BATCH && deferred.length > 0; i++) {
      const [message, callback] = deferred.shift()!;
      guarded.current--;
      routeNow(message, callback);
    }
    if (deferred.length > 0 && !scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  };
  guarded._do = function guardedDo(message, callback) {
    // behind messages already deferred (order), or deferred itself when nested too deep (stack)
    if (deferred.length > 0 || depth >= maxDepth) {
      guarded.current++;
      deferred.push([message, callback]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
      return guarded;
    }
    routeNow(message, callback);
    return guarded;
  };
  return { queued: () => guarded.length + deferred.length };
}
