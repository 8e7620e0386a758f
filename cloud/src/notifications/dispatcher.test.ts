import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@smart-commune/shared/runtime';
import { ObjectCommunes } from '../communes/object-commune.js';
import { openCloudDatabase, type Db } from '../db/database.js';
import { sqliteQueryDatabase } from '../db/query/index.js';
import { DomainEventBus } from '../events/event-bus.js';
import { createCloudMetrics, type CloudMetrics } from '../metrics.js';
import type { DomainEvents } from '../events/domain-events.js';
import type { NewOutboxMessage } from './channel.js';
import { backoffDelay } from './dispatcher.js';
import { createNotifications, type Notifications, type NotificationsConfig } from './notifications.js';
import { TestChannel } from './testing/test-channel.js';

const T0 = Date.UTC(2026, 11, 6, 14);

const config: NotificationsConfig = {
  SC_NOTIFY_RETRY_FIRST_S: 5,
  SC_NOTIFY_RETRY_MAX_S: 3600,
  SC_NOTIFY_MAX_ATTEMPTS: 4,
  SC_NOTIFY_GIVE_UP_AFTER_S: 24 * 3600,
  SC_NOTIFY_SEND_TIMEOUT_S: 30,
  SC_NOTIFY_RETENTION_DAYS: 90,
};

const message = (n: number, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  channel: 'test',
  idempotencyKey: `bulletin.scheduled:b${n}:follower-${n}`,
  recipient: `follower-${n}`,
  subject: `bulletin:b${n}`,
  event: 'bulletin.scheduled',
  content: { title: 'Bản tin', body: `Bản tin số ${n}`, path: `/thong-bao/b${n}` },
  ...extra,
});

describe('the notifications outbox and dispatcher', () => {
  let dir: string;
  let db: Db;
  let bus: DomainEventBus;
  let metrics: CloudMetrics;
  let now: number;
  let channel: TestChannel;
  let notifications: Notifications;

  const open = async (ch: TestChannel, cfg = config) => {
    channel = ch;
    notifications = createNotifications({
      query: sqliteQueryDatabase(db),
      subjectCommune: (subject) => new ObjectCommunes(sqliteQueryDatabase(db)).of(subject),
      bus,
      logger: createLogger('test', { level: 'silent' }),
      metrics,
      config: cfg,
      channels: [ch],
      now: () => now,
      random: () => 1, // no jitter taken off: delays are exact
    });
    await notifications.start();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-notify-'));
    db = openCloudDatabase(join(dir, 'cloud.db'));
    metrics = createCloudMetrics();
    bus = new DomainEventBus({ logger: createLogger('test', { level: 'silent' }), handlerErrors: metrics.domainEventErrors });
    now = T0;
  });
  afterEach(async () => {
    await notifications?.stop();
    await bus.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const row = async (id: number) => (await notifications.store.get(id))!;
  const counter = async (name: 'notificationsSent' | 'notificationsFailed', labels: Record<string, string>) =>
    (await metrics[name].get()).values.find((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))?.value ?? 0;

  it('sends a domain event once per idempotency key, however often it is enqueued', async () => {
    await open(new TestChannel());
    const alert: DomainEvents['alert.started'] = {
      alertId: 'alr_1',
      version: 1,
      priority: 'emergency',
      severity: 'extreme',
      kind: 'flood',
      origin: 'json',
      hamletCodes: ['AP1', 'AP2'],
      startsAt: T0,
      expiresAt: T0 + 3600_000,
      replaces: null,
    };
    bus.publish('alert.started', alert);
    bus.publish('alert.started', alert); // a handler run twice (a redelivery, a restart)
    await bus.settled();
    expect(await channel.enqueue([message(1), message(1), message(1)])).toBe(1);
    expect(await channel.enqueue([message(1)])).toBe(0);
    await notifications.dispatcher.idle();
    expect(channel.sends.sort()).toEqual(['alert.started:alr_1:1:AP1', 'alert.started:alr_1:1:AP2', 'bulletin.scheduled:b1:follower-1']);
    expect(db.prepare('SELECT COUNT(*) FROM notification_outbox').pluck().get()).toBe(3);
    expect(await notifications.store.reach('alert:alr_1')).toEqual([
      { channel: 'test', queued: 0, sending: 0, sent: 2, failed: 0, firstSentAt: T0, lastSentAt: T0 },
    ]);
    expect(await counter('notificationsSent', { channel: 'test' })).toBe(3);
  });

  it('retries a failed send after a backoff that doubles, then sends it', async () => {
    await open(new TestChannel());
    channel.script.push(
      { ok: false, retry: true, reason: 'HTTP 503 from the provider' },
      new Error('socket hang up'),
    );
    await channel.enqueue([message(1)]);
    await notifications.dispatcher.idle();
    expect(await row(1)).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: T0 + 5000, lastError: 'HTTP 503 from the provider' });
    now += 4999;
    await notifications.dispatcher.idle();
    expect((await row(1)).attempts).toBe(1); // not due yet
    now += 1;
    await notifications.dispatcher.idle();
    expect(await row(1)).toMatchObject({ status: 'queued', attempts: 2, nextAttemptAt: now + 10_000, lastError: 'the channel failed: socket hang up' });
    now += 10_000;
    await notifications.dispatcher.idle();
    expect(await row(1)).toMatchObject({ status: 'sent', attempts: 3, sentAt: now, providerId: 'p-1', lastError: null });
    expect((await row(1)).history.map((a) => [a.outcome, a.reason])).toEqual([
      ['retry', 'HTTP 503 from the provider'],
      ['retry', 'the channel failed: socket hang up'],
      ['sent', null],
    ]);
    expect(channel.sends).toEqual([message(1).idempotencyKey]);
    expect(await counter('notificationsFailed', { channel: 'test', class: 'temporary' })).toBe(1);
    expect(await counter('notificationsFailed', { channel: 'test', class: 'error' })).toBe(1);
  });

  it('computes backoff from 5 s doubling to the cap, with up to half taken off as jitter', () => {
    const policy = { baseDelayMs: 5000, maxDelayMs: 3600_000, maxAttempts: 30, giveUpAfterMs: 86_400_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, 1))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(backoffDelay(policy, 20, 1)).toBe(3600_000);
    expect(backoffDelay(policy, 20, 0)).toBe(1800_000);
    expect(backoffDelay(policy, 1, 0.5)).toBe(3750);
  });

  it('gives up after the attempts allowed, with the reason visible', async () => {
    await open(new TestChannel());
    for (let i = 0; i < 4; i++) channel.script.push({ ok: false, retry: true, reason: `HTTP 502 (${i + 1})` });
    await channel.enqueue([message(1)]);
    for (let i = 0; i < 4; i++) {
      await notifications.dispatcher.idle();
      now += 3600_000;
    }
    await notifications.dispatcher.idle();
    expect(await row(1)).toMatchObject({ status: 'failed', attempts: 4, nextAttemptAt: null, lastError: 'given up after 4 attempts: HTTP 502 (4)' });
    expect((await row(1)).history.at(-1)).toMatchObject({ outcome: 'failed', reason: 'given up after 4 attempts: HTTP 502 (4)' });
    expect(channel.sends).toEqual([]);
    expect(await counter('notificationsFailed', { channel: 'test', class: 'exhausted' })).toBe(1);
  });

  it('gives up when the next attempt would come after the time allowed, and at once when the channel says never', async () => {
    await open(new TestChannel(), { ...config, SC_NOTIFY_MAX_ATTEMPTS: 100, SC_NOTIFY_GIVE_UP_AFTER_S: 60 });
    channel.script.push({ ok: false, retry: true, reason: 'HTTP 500' }, { ok: false, retry: true, reason: 'quota', retryAfterMs: 61_000 });
    await channel.enqueue([message(1)]);
    await notifications.dispatcher.idle();
    now += 5000;
    await notifications.dispatcher.idle();
    expect(await row(1)).toMatchObject({ status: 'failed', attempts: 2, lastError: 'given up after 1 min: quota' });

    channel.script.push({ ok: false, retry: false, reason: 'the subscription is gone (HTTP 410)' });
    await channel.enqueue([message(2)]);
    await notifications.dispatcher.idle();
    expect(await row(2)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'the subscription is gone (HTTP 410)' });
    expect(await counter('notificationsFailed', { channel: 'test', class: 'rejected' })).toBe(1);
  });

  it("honours the provider's retryAfterMs instead of the backoff", async () => {
    await open(new TestChannel());
    channel.script.push({ ok: false, retry: true, reason: 'HTTP 429', retryAfterMs: 90_000 });
    await channel.enqueue([message(1)]);
    await notifications.dispatcher.idle();
    expect(await row(1)).toMatchObject({ status: 'queued', nextAttemptAt: T0 + 90_000 });
    now += 89_999;
    await notifications.dispatcher.idle();
    expect(channel.sends).toEqual([]);
    now += 1;
    await notifications.dispatcher.idle();
    expect(channel.sends).toEqual([message(1).idempotencyKey]);
    expect(await counter('notificationsFailed', { channel: 'test', class: 'rate_limited' })).toBe(1);
  });

  it('waits for the time a message is not to be sent before (quiet hours, cooldown)', async () => {
    await open(new TestChannel());
    await channel.enqueue([message(1, { notBefore: T0 + 60_000 })]);
    await notifications.dispatcher.idle();
    expect(channel.sends).toEqual([]);
    now += 60_000;
    await notifications.dispatcher.idle();
    expect(channel.sends).toEqual([message(1).idempotencyKey]);
  });

  it('never runs more sends of a channel at once than its concurrency', async () => {
    await open(new TestChannel('test', 3));
    channel.hold();
    await channel.enqueue(Array.from({ length: 20 }, (_, i) => message(i)));
    await channel.heldCount(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(channel.running).toBe(3);
    expect(notifications.dispatcher.inFlight('test')).toBe(3);
    expect(db.prepare("SELECT COUNT(*) FROM notification_outbox WHERE status = 'sending'").pluck().get()).toBe(3);
    channel.release(); // from here on, sends are not held
    const until = Date.now() + 5000;
    while (channel.sends.length < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    expect(channel.sends).toHaveLength(20);
    expect(channel.maxRunning).toBe(3);
  });

  it('gives up waiting for a send that does not answer: aborts it, frees its slot, tries again later', async () => {
    await open(new TestChannel('test', 1), { ...config, SC_NOTIFY_SEND_TIMEOUT_S: 0.05 });
    channel.hold();
    await channel.enqueue([message(1), message(2)]);
    await channel.heldCount(1);
    await new Promise((r) => setTimeout(r, 100));
    // the first one timed out: recorded, its signal aborted, and the slot went to the second
    expect(await row(1)).toMatchObject({ status: 'queued', attempts: 1, lastError: 'no answer within 0.05 s', nextAttemptAt: T0 + 5000 });
    expect(channel.signals[0]!.aborted).toBe(true);
    await channel.heldCount(2);
    channel.release();
    await notifications.dispatcher.idle();
    expect(await counter('notificationsFailed', { channel: 'test', class: 'temporary' })).toBeGreaterThanOrEqual(1);
  });

  it('stop() lets the sends in flight finish and records them; nothing new starts', async () => {
    await open(new TestChannel('test', 2));
    channel.hold();
    await channel.enqueue([message(1), message(2), message(3)]);
    await channel.heldCount(2);
    const stopping = notifications.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false); // waiting for the two sends
    channel.release();
    await stopping;
    expect(channel.sends.sort()).toEqual([message(1).idempotencyKey, message(2).idempotencyKey]);
    expect([(await row(1)).status, (await row(2)).status, (await row(3)).status]).toEqual(['sent', 'sent', 'queued']);
    expect(channel.stopped).toBe(true);
  });

  it('after a crash during a send, sends the message again once its claim lease ran out (at least once), and no other', async () => {
    await open(new TestChannel());
    await channel.enqueue([message(1), message(2)]);
    await notifications.dispatcher.idle();
    await channel.enqueue([message(3)]);
    // what a crash leaves: the row claimed, marked sending, the process gone before it recorded the outcome
    expect((await notifications.store.claimDue('test', 10, 60_000)).map((m) => m.id)).toEqual([3]);
    await notifications.stop();
    expect((await row(3)).status).toBe('sending');

    // within the lease the claimer may still be sending (another cloud process): a start leaves it alone
    now += 1000;
    await open(new TestChannel());
    await notifications.dispatcher.idle();
    expect(channel.sends).toEqual([]);
    expect((await row(3)).status).toBe('sending');
    await notifications.stop();

    now += 60_000;
    await open(new TestChannel()); // the next start after the lease, same database file
    await notifications.dispatcher.idle();
    expect(channel.sends).toEqual([message(3).idempotencyKey]);
    expect(await row(3)).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await row(3)).history.map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
  });

  it('stores a batch of 10,000 in one transaction, and only the new ones of a repeated batch', async () => {
    await open(new TestChannel());
    channel.hold();
    const batch = Array.from({ length: 10_000 }, (_, i) => message(i));
    expect(await channel.enqueue(batch)).toBe(10_000);
    expect(await channel.enqueue([...batch.slice(0, 5000), message(10_000)])).toBe(1);
    expect((await notifications.store.backlog()).reduce((n, b) => n + b.count, 0)).toBe(10_001);
    channel.release();
  });

  it('stores a large fan-out in chunks, serving the event loop between them, and sends each key once', async () => {
    await open(new TestChannel('test', 8));
    const batch = Array.from({ length: 7000 }, (_, i) => message(i));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    let firstChunk = -1;
    // the count seen by the first timer that runs while storing: the chunks are stored between timers, not all at once
    const peek = setTimeout(() => (firstChunk = db.prepare('SELECT COUNT(*) FROM notification_outbox').pluck().get() as number), 0);
    const storing = channel.enqueueMany(batch);
    expect(await storing).toBe(7000);
    clearTimeout(peek);
    expect(firstChunk).toBeGreaterThanOrEqual(0);
    expect(firstChunk).toBeLessThan(7000);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0); // timers ran between the chunks
    expect(await channel.enqueueMany(batch)).toBe(0);
    await notifications.dispatcher.idle();
    expect(channel.sends).toHaveLength(7000);
    expect(new Set(channel.sends).size).toBe(7000);
  });

  it('shows admins the messages with their attempts, filtered, and lets a given-up one be tried again', async () => {
    await open(new TestChannel());
    channel.script.push({ ok: false, retry: false, reason: 'the follower blocked the OA' });
    await channel.enqueue([message(1), message(2, { subject: 'alert:alr_9' })]);
    await notifications.dispatcher.idle();
    const failed = await notifications.store.page({ status: 'failed' }, 10, 0);
    expect(failed.total).toBe(1);
    const id = failed.items[0]!.id;
    expect((await notifications.store.page({ subject: 'alert:alr_9' }, 10, 0)).items.map((d) => d.subject)).toEqual(['alert:alr_9']);
    expect((await notifications.store.page({ since: T0 + 1 }, 10, 0)).total).toBe(0);
    expect(await notifications.store.retryNow(id)).toBe('queued');
    expect(await notifications.store.retryNow(id)).toBe('not_failed');
    expect(await notifications.store.retryNow(999)).toBe('not_found');
    notifications.dispatcher.wake();
    await notifications.dispatcher.idle();
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
