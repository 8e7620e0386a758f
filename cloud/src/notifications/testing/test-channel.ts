import type { ChannelContext, NewOutboxMessage, NotificationChannel, OutboxMessage, SendOutcome } from '../channel.js';

/*
 * A small real channel for tests of the outbox and dispatcher (not used by the cloud): it subscribes
 * to `alert.started` and enqueues one message per hamlet, and its "provider" is a list in memory
 * that counts deliveries per idempotency key, answers from a script of outcomes, and can hold sends
 * open to observe concurrency and stop().
 */
export class TestChannel implements NotificationChannel {
  /** Idempotency keys in the order sends reached the "provider". */
  readonly sends: string[] = [];
  /** Outcomes to answer, in order, before answering ok; an Error is thrown instead of answered. */
  readonly script: (SendOutcome | Error)[] = [];
  /** Sends running now, and the most at once. */
  running = 0;
  /** The abort signal of each send, in order. */
  readonly signals: AbortSignal[] = [];
  maxRunning = 0;
  started = false;
  stopped = false;
  private context: ChannelContext | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private held: (() => void)[] = [];
  private holding = false;

  constructor(
    readonly name = 'test',
    readonly concurrency = 2,
  ) {}

  async start(context: ChannelContext): Promise<void> {
    this.context = context;
    this.unsubscribe = context.bus.subscribe(
      'alert.started',
      async (alert) => {
        await context.outbox.enqueue(
          alert.hamletCodes.map(
            (hamlet): NewOutboxMessage => ({
              channel: this.name,
              idempotencyKey: `alert.started:${alert.alertId}:${alert.version}:${hamlet}`,
              recipient: `hamlet:${hamlet}`,
              subject: `alert:${alert.alertId}`,
              event: 'alert.started',
              content: { title: 'Cảnh báo khẩn cấp', body: `Ấp ${hamlet}`, path: `/alerts/${alert.alertId}` },
              data: { hamlet },
            }),
          ),
        );
      },
      `channel:${this.name}`,
    );
    this.started = true;
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.stopped = true;
  }

  enqueue(messages: NewOutboxMessage[]): Promise<number> {
    if (!this.context) throw new Error('the test channel is not started');
    return this.context.outbox.enqueue(messages);
  }

  enqueueMany(messages: NewOutboxMessage[]): Promise<number> {
    if (!this.context) throw new Error('the test channel is not started');
    return this.context.outbox.enqueueMany(messages);
  }

  /** Sends wait until release() from now on. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }

  /** Resolves when `n` sends are being held. */
  async heldCount(n: number): Promise<void> {
    while (this.held.length < n) await new Promise((r) => setTimeout(r, 2));
  }

  async send(message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
    if (signal) this.signals.push(signal);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.holding) await new Promise<void>((go) => this.held.push(go));
      const next = this.script.shift();
      if (next instanceof Error) throw next;
      if (next && !next.ok) return next;
      this.sends.push(message.idempotencyKey);
      return { ok: true, providerId: `p-${message.id}` };
    } finally {
      this.running--;
    }
  }
}
