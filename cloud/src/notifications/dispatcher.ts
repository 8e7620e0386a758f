import { performance } from 'node:perf_hooks';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Counter } from 'prom-client';
import type { NotificationChannel, OutboxMessage, SendOutcome } from './channel.js';
import type { OutboxStore } from './outbox.js';

/*
 * Hands the outbox's due messages to their channels, at most `concurrency` at once per channel,
 * and writes back what came of each attempt: sent, tried again after a backoff with jitter (or when
 * the provider said), or given up with its reason. Delivery to the channel is at least once: a
 * message a cloud process was sending when it stopped or crashed is sent again once its claim's lease
 * (the send timeout and a margin) has run out, by whichever process looks first, and the
 * channels pass the message's idempotency key to their provider (or check it) so that the person
 * still gets it once. The dispatcher never scans the table: it claims a few due rows through the
 * (status, channel, next_attempt_at) index and sleeps until the next one is due or a channel
 * enqueues.
 */

export interface RetryPolicy {
  /** The first retry waits about this long; each next one twice as long. */
  baseDelayMs: number;
  /** …up to this. */
  maxDelayMs: number;
  /** A message is given up after this many attempts… */
  maxAttempts: number;
  /** …or when its next attempt would come this long after it was enqueued. */
  giveUpAfterMs: number;
}

/** Why an attempt failed, for sc_notifications_failed_total's `class`. */
export type FailureClass =
  /** The channel said try again (a 5xx, a timeout, a refused connection): it will be. */
  | 'temporary'
  /** The provider said when to try again (HTTP 429 Retry-After, a quota). */
  | 'rate_limited'
  /** The channel said never (a subscription gone, a follower who blocked the OA): given up at once. */
  | 'rejected'
  /** Failed once more after the attempts or the time allowed: given up. */
  | 'exhausted'
  /** The channel's send threw instead of answering (a bug in the channel): tried again like a temporary failure. */
  | 'error';

export interface DispatcherDeps {
  store: OutboxStore;
  channels: readonly NotificationChannel[];
  policy: RetryPolicy;
  /** A send not answered after this long is aborted (its signal) and recorded as a temporary failure. */
  sendTimeoutMs: number;
  logger: Logger;
  sent: Counter<'channel'>;
  failed: Counter<'channel' | 'class'>;
  /** The clock of due times and backoff; injectable for tests (it must be the store's). */
  now?: () => number;
  /** [0, 1): the jitter; injectable for tests. */
  random?: () => number;
}

/** The longest sleep between looks at the queue: a clock change or a row written by hand is picked up within it. */
const MAX_SLEEP_MS = 60_000;
/** Reasons are the providers' words: bounded in the table and the admins' page. */
const MAX_REASON_CHARS = 500;

/**
 * How long before the attempt after `attemptsMade` failed ones: base·2^(n−1), at most max, with
 * "equal jitter" (half fixed, half random) so that a thousand messages failing together do not
 * come back together.
 */
export function backoffDelay(policy: RetryPolicy, attemptsMade: number, random: number): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random);
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
const bounded = (reason: string) => (reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason);

/** One channel's sends in flight and its wake-up timer. */
interface Lane {
  channel: NotificationChannel;
  inFlight: Set<Promise<void>>;
  timer: NodeJS.Timeout | null;
  /** A pump is scheduled (coalesces the wakes of a burst of enqueues). */
  scheduled: boolean;
  /** A pump is running (its claim is an await): the next one waits for it, so claims never exceed the free slots. */
  pumping: Promise<void> | null;
}

/**
 * A claim's lease beyond the send timeout: a row still 'sending' this long after its send had to
 * end belongs to a process that died, and is put back in the queue (recoverInterrupted).
 */
const LEASE_MARGIN_MS = 30_000;

export class Dispatcher {
  private readonly lanes: Lane[];
  private readonly now: () => number;
  private readonly random: () => number;
  private running = false;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    const names = new Set<string>();
    this.lanes = deps.channels.map((channel) => {
      if (names.has(channel.name)) throw new Error(`two notification channels are named "${channel.name}"`);
      if (!Number.isInteger(channel.concurrency) || channel.concurrency < 1)
        throw new Error(`notification channel "${channel.name}": concurrency must be a positive integer, not ${channel.concurrency}`);
      names.add(channel.name);
      return { channel, inFlight: new Set(), timer: null, scheduled: false, pumping: null };
    });
  }

  private recovery: NodeJS.Timeout | null = null;

  /**
   * Puts back what a previous run (or another process that died) left being sent past its lease,
   * then starts sending what is due; looks again for such messages every MAX_SLEEP_MS, since with
   * several cloud processes on one database another one may die at any time.
   */
  async start(): Promise<void> {
    await this.recover();
    this.running = true;
    this.recovery = setInterval(() => void this.recover().then((n) => n > 0 && this.wake()), MAX_SLEEP_MS);
    this.recovery.unref();
    this.wake();
  }

  private async recover(): Promise<number> {
    try {
      const recovered = await this.deps.store.recoverInterrupted();
      if (recovered > 0) this.deps.logger.warn({ messages: recovered }, 'notifications a cloud process was sending when it stopped are sent again');
      return recovered;
    } catch (err) {
      this.deps.logger.error({ err }, 'could not read the notifications outbox');
      return 0;
    }
  }

  /** How long a claimed message is this process's before another may take it for dead. */
  private get leaseMs(): number {
    return this.deps.sendTimeoutMs + LEASE_MARGIN_MS;
  }

  /** Something was enqueued or made due: look at the queues soon (once per burst). */
  wake(): void {
    if (!this.running) return;
    for (const lane of this.lanes) this.schedule(lane);
  }

  /** Pumps the lane once the current I/O callbacks have run, however many asked for it meanwhile. */
  private schedule(lane: Lane): void {
    if (lane.scheduled) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      void this.pump(lane);
    });
  }

  /** Sends nothing new and waits for the sends in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.recovery) clearInterval(this.recovery);
    this.recovery = null;
    for (const lane of this.lanes) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = null;
    }
    // a pump in the middle of its claim adds what it claimed to inFlight before it resolves
    await Promise.all(this.lanes.map((lane) => lane.pumping));
    await Promise.all(this.lanes.flatMap((lane) => [...lane.inFlight]));
  }

  /** Sends in flight now, per channel (tests, the admins' view). */
  inFlight(channel: string): number {
    return this.lanes.find((lane) => lane.channel.name === channel)?.inFlight.size ?? 0;
  }

  /**
   * Resolves when nothing is in flight and nothing is due now (by the injected clock): for tests
   * and tools that move the clock and want the consequences.
   */
  async idle(): Promise<void> {
    for (;;) {
      for (const lane of this.lanes) await this.pump(lane);
      const busy = this.lanes.flatMap((lane) => [...lane.inFlight]);
      if (busy.length === 0) return;
      await Promise.race(busy);
    }
  }

  /** Claims as many due messages as the channel has free slots and sends them; sleeps until the next is due. */
  private async pump(lane: Lane): Promise<void> {
    // one pump at a time per lane: two overlapping claims would both count the same free slots
    while (lane.pumping) await lane.pumping;
    if (!this.running) return;
    const pumping = this.claimAndSend(lane);
    lane.pumping = pumping;
    try {
      await pumping;
    } finally {
      lane.pumping = null;
    }
  }

  private async claimAndSend(lane: Lane): Promise<void> {
    const free = lane.channel.concurrency - lane.inFlight.size;
    let claimed: OutboxMessage[] = [];
    try {
      claimed = await this.deps.store.claimDue(lane.channel.name, free, this.leaseMs);
    } catch (err) {
      this.deps.logger.error({ err, channel: lane.channel.name }, 'could not read the notifications outbox');
    }
    for (const message of claimed) {
      const sending = this.send(lane.channel, message).finally(() => {
        lane.inFlight.delete(sending);
        // the sends that finish together refill their slots with one claim (one read of the outbox,
        // one transaction) instead of one claim each: a 20,000-push burst spent a tenth of its CPU claiming
        this.schedule(lane);
      });
      lane.inFlight.add(sending);
    }
    if (claimed.length < free) await this.sleep(lane);
  }

  /** Wakes the lane when its next queued message is due (or after MAX_SLEEP_MS). */
  private async sleep(lane: Lane): Promise<void> {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = null;
    let next: number | null = null;
    try {
      next = await this.deps.store.nextDueAt(lane.channel.name);
    } catch (err) {
      this.deps.logger.error({ err, channel: lane.channel.name }, 'could not read the notifications outbox');
    }
    const delay = next === null ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - this.now()) + 5);
    if (!this.running) return;
    if (lane.timer) clearTimeout(lane.timer); // another pump's sleep set one meanwhile
    lane.timer = setTimeout(() => {
      lane.timer = null;
      void this.pump(lane);
    }, delay);
    lane.timer.unref();
  }

  private async send(channel: NotificationChannel, message: OutboxMessage): Promise<void> {
    const started = performance.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // a provider that never answers must not hold a slot (and the cloud's stop) for ever
    const timeout = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => {
        abort.abort(new Error('send timed out'));
        resolve({ ok: false, retry: true, reason: `no answer within ${this.deps.sendTimeoutMs / 1000} s` });
      }, this.deps.sendTimeoutMs);
    });
    let outcome: SendOutcome;
    let threw = false;
    try {
      outcome = await Promise.race([channel.send(message, abort.signal), timeout]);
    } catch (err) {
      threw = true;
      outcome = { ok: false, retry: true, reason: `the channel failed: ${describe(err)}` };
    } finally {
      clearTimeout(timer);
    }
    const duration = performance.now() - started;
    try {
      await this.record(channel.name, message, outcome, duration, threw);
    } catch (err) {
      // the database is gone (closing): the row stays 'sending' and is sent again once its lease has run out
      this.deps.logger.error({ err, channel: channel.name, messageId: message.id }, 'could not record a notification attempt');
    }
  }

  private async record(channel: string, message: OutboxMessage, outcome: SendOutcome, durationMs: number, threw: boolean): Promise<void> {
    const { store, policy, logger } = this.deps;
    if (outcome.ok) {
      await store.recordSent(message.id, durationMs, outcome.providerId);
      this.deps.sent.inc({ channel });
      return;
    }
    const reason = bounded(outcome.reason || 'no reason given');
    const attemptsMade = message.attempts + 1;
    const log = { channel, messageId: message.id, subject: message.subject, attempts: attemptsMade, reason };
    if (!outcome.retry) {
      await store.recordFailed(message.id, durationMs, reason);
      this.deps.failed.inc({ channel, class: 'rejected' });
      logger.warn(log, 'notification refused by its channel: given up');
      return;
    }
    const delay = outcome.retryAfterMs !== undefined ? Math.max(0, outcome.retryAfterMs) : backoffDelay(policy, attemptsMade, this.random());
    const nextAt = this.now() + delay;
    const giveUp =
      attemptsMade >= policy.maxAttempts
        ? `given up after ${attemptsMade} attempts: ${reason}`
        : nextAt - message.createdAt > policy.giveUpAfterMs
          ? `given up after ${Math.round(policy.giveUpAfterMs / 60_000)} min: ${reason}`
          : null;
    if (giveUp) {
      await store.recordFailed(message.id, durationMs, bounded(giveUp));
      this.deps.failed.inc({ channel, class: 'exhausted' });
      logger.warn(log, 'notification given up');
      return;
    }
    await store.recordRetry(message.id, durationMs, reason, nextAt);
    this.deps.failed.inc({ channel, class: threw ? 'error' : outcome.retryAfterMs !== undefined ? 'rate_limited' : 'temporary' });
    logger.debug({ ...log, retryInMs: delay }, 'notification attempt failed: tried again later');
  }
}
