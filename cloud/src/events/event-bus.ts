import type { Logger } from '@smart-commune/shared/runtime';
import type { Counter } from 'prom-client';
import type { DomainEventName, DomainEvents } from './domain-events.js';

/** A subscriber's handler; what it returns is awaited before the same subscriber gets the next event. */
export type DomainEventHandler<K extends DomainEventName> = (payload: DomainEvents[K]) => void | Promise<void>;

/** Stops deliveries to one subscriber; resolves when the events already given to it have been handled. */
export type Unsubscribe = () => Promise<void>;

export interface DomainEventBusDeps {
  logger: Logger;
  /** Handler failures by event and subscriber (sc_domain_event_handler_errors_total). */
  handlerErrors: Counter<'event' | 'subscriber'>;
}

const isPromise = (value: unknown): value is Promise<void> => typeof (value as Promise<void> | undefined)?.then === 'function';

/**
 * One subscriber of one event name: a queue, so it sees the events in the order they were
 * published even when its handler is async and a later publish comes while it still runs.
 */
class Subscription<K extends DomainEventName> {
  private readonly queue: DomainEvents[K][] = [];
  /** The async handler running now and the rest of the queue after it; null while idle. */
  private running: Promise<void> | null = null;
  private busy = false;

  constructor(
    private readonly handler: DomainEventHandler<K>,
    private readonly failed: (err: unknown) => void,
  ) {}

  enqueue(payload: DomainEvents[K]): void {
    this.queue.push(payload);
  }

  /** Handles the queue now unless a handler of this subscriber is already running (it will carry on). */
  run(): void {
    if (!this.busy) this.drain();
  }

  get idle(): boolean {
    return this.running === null;
  }

  /** Resolves once the queue is empty and no handler runs. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Runs the handler for each queued payload. While the subscriber is idle a handler starts at once,
   * inside publish (as an EventEmitter listener would); an async one holds the queue until it settles.
   */
  private drain(): void {
    this.busy = true;
    while (this.queue.length > 0) {
      const payload = this.queue.shift()!;
      let result: void | Promise<void>;
      try {
        result = this.handler(payload);
      } catch (err) {
        this.failed(err);
        continue;
      }
      if (isPromise(result)) {
        this.running = result.then(() => undefined, this.failed).then(() => {
          this.running = null;
          this.drain();
        });
        return;
      }
    }
    this.busy = false;
  }
}

/**
 * The cloud's typed domain event bus: each domain publishes what happened (names and payloads in
 * DomainEvents), others subscribe. A handler's failure is logged and counted and reaches neither
 * the publisher nor the other subscribers. Publish after the change is committed: a handler may
 * run inside publish. The model is Zigbee2MQTT's event bus (typed emit/on per event, every callback
 * wrapped so one extension's error cannot break another's).
 */
export class DomainEventBus {
  private readonly subscriptions = new Map<DomainEventName, Set<unknown>>();
  private stopped = false;

  constructor(private readonly deps: DomainEventBusDeps) {}

  publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    if (this.stopped) {
      this.deps.logger.debug({ event: name }, 'domain event published after the bus stopped: not delivered');
      return;
    }
    const subscriptions = [...this.subscribersOf(name)];
    // queued everywhere before any handler runs: one that publishes again cannot overtake this payload for the others
    for (const subscription of subscriptions) subscription.enqueue(payload);
    for (const subscription of subscriptions) subscription.run();
  }

  /** `subscriber` names the subscriber in logs and metrics (a domain or channel, not a person). */
  subscribe<K extends DomainEventName>(name: K, handler: DomainEventHandler<K>, subscriber = 'anonymous'): Unsubscribe {
    const subscription = new Subscription<K>(handler, (err) => {
      this.deps.handlerErrors.inc({ event: name, subscriber });
      this.deps.logger.error({ err, event: name, subscriber }, 'domain event handler failed');
    });
    const set = this.subscribersOf(name);
    set.add(subscription);
    return async () => {
      set.delete(subscription);
      await subscription.settled();
    };
  }

  /** Resolves when every subscriber has handled what was published so far, including what handlers published meanwhile. */
  async settled(): Promise<void> {
    for (;;) {
      const busy = [...this.subscriptions.keys()].flatMap((name) => [...this.subscribersOf(name)].filter((s) => !s.idle));
      if (busy.length === 0) return;
      await Promise.all(busy.map((s) => s.settled()));
    }
  }

  private subscribersOf<K extends DomainEventName>(name: K): Set<Subscription<K>> {
    let set = this.subscriptions.get(name);
    if (!set) this.subscriptions.set(name, (set = new Set()));
    // only subscribe() adds to the set of a name, always a subscription of that name
    return set as Set<Subscription<K>>;
  }

  /** Delivers nothing more and waits for the handlers still running (and what is queued for them), so the database can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }
}
