/**
 * Notifications outbox benchmark (issue 14). On a real SQLite file (WAL, as the cloud opens it):
 *  1. one emergency alert fanned out to N Zalo followers (default 100,000) across 9 hamlets, enqueued
 *     with enqueueMany (one prepared statement, one transaction per 2,000 rows): how long, and the
 *     longest the event loop was held;
 *  2. the same batch enqueued again in one transaction (a handler run twice): how long, and how many
 *     rows were new (0);
 *  3. the dispatcher drains it through a local channel whose "provider" answers at once, with the
 *     channel's concurrency (default 20): messages per second, the backlog gauge while it drains,
 *     sends per idempotency key (duplicates: 0), and the worst event-loop delay meanwhile.
 * It measures the outbox and the dispatcher, not a provider: scripts/bench/notify (Web Push to the
 * tests' push service and the Zalo stand-in) measures the channels end to end.
 * Ends with `RESULT {"messages":..,"enqueue_ms":..,"enqueue_max_block_ms":..,"reenqueue_ms":..,"drain_per_s":..,"max_loop_delay_ms":..,"duplicates":0}`.
 *   scripts/bench/outbox [--messages 100000] [--concurrency 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createLogger } from '../../shared/src/runtime/index.js';
import { openCloudDatabase } from '../../cloud/src/db/database.js';
import { ObjectCommunes } from '../../cloud/src/communes/object-commune.js';
import { sqliteQueryDatabase } from '../../cloud/src/db/query/index.js';
import { DomainEventBus } from '../../cloud/src/events/event-bus.js';
import { createCloudMetrics } from '../../cloud/src/metrics.js';
import type { ChannelContext, NewOutboxMessage, NotificationChannel, OutboxMessage, SendOutcome } from '../../cloud/src/notifications/channel.js';
import { createNotifications } from '../../cloud/src/notifications/notifications.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '20' } } });
const N = Number(values.messages);
const CONCURRENCY = Number(values.concurrency);
const HAMLETS = ['ap-1', 'ap-2a', 'ap-2b', 'ap-3', 'ap-4', 'ap-5', 'ap-6', 'ap-7', 'ap-8'];
const log = (line: string) => console.log(line);

/** A channel whose provider accepts at once and counts what it got per idempotency key. */
class CountingChannel implements NotificationChannel {
  readonly name = 'zalo';
  readonly concurrency = CONCURRENCY;
  readonly got = new Map<string, number>();
  async start(_context: ChannelContext): Promise<void> {}
  async stop(): Promise<void> {}
  async send(message: OutboxMessage): Promise<SendOutcome> {
    await new Promise((r) => setImmediate(r));
    this.got.set(message.idempotencyKey, (this.got.get(message.idempotencyKey) ?? 0) + 1);
    return { ok: true, providerId: `m${message.id}` };
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-outbox-'));
  const db = openCloudDatabase(join(dir, 'cloud.db'));
  const metrics = createCloudMetrics();
  const logger = createLogger('bench', { level: 'warn' });
  const bus = new DomainEventBus({ logger, handlerErrors: metrics.domainEventErrors });
  const channel = new CountingChannel();
  const objectCommunes = new ObjectCommunes(sqliteQueryDatabase(db));
  const notifications = createNotifications({
    query: sqliteQueryDatabase(db),
    subjectCommune: (subject) => objectCommunes.of(subject),
    bus,
    logger,
    metrics,
    channels: [channel],
    config: { SC_NOTIFY_RETRY_FIRST_S: 5, SC_NOTIFY_RETRY_MAX_S: 3600, SC_NOTIFY_MAX_ATTEMPTS: 30, SC_NOTIFY_GIVE_UP_AFTER_S: 86_400, SC_NOTIFY_SEND_TIMEOUT_S: 30, SC_NOTIFY_RETENTION_DAYS: 90 },
  });
  try {
    const batch: NewOutboxMessage[] = Array.from({ length: N }, (_, i) => ({
      channel: 'zalo',
      idempotencyKey: `alert.started:alr_bench:1:follower-${i}`,
      recipient: `follower-${i}`,
      subject: 'alert:alr_bench',
      event: 'alert.started',
      content: { title: 'CẢNH BÁO KHẨN CẤP: Lũ', body: 'Nước sông dâng nhanh, bà con ấp di dời đến nơi an toàn ngay.', path: '/thong-bao/alr_bench' },
      data: { hamlet: HAMLETS[i % HAMLETS.length] },
    }));

    // 1–2: enqueue before the dispatcher runs, so the timings are the inserts alone
    const enqueueLoop = monitorEventLoopDelay({ resolution: 5 });
    enqueueLoop.enable();
    let t = performance.now();
    const added = await notifications.outbox.enqueueMany(batch);
    const enqueueMs = performance.now() - t;
    enqueueLoop.disable();
    const enqueueBlockMs = enqueueLoop.max / 1e6;
    t = performance.now();
    const addedAgain = await notifications.store.enqueue(batch);
    const reenqueueMs = performance.now() - t;
    log(`enqueueMany: ${added} new of ${N} in ${enqueueMs.toFixed(0)} ms (${Math.round(N / (enqueueMs / 1000))}/s), the event loop held at most ${enqueueBlockMs.toFixed(0)} ms at a time`);
    log(`enqueue again in one transaction: ${addedAgain} new in ${reenqueueMs.toFixed(0)} ms`);

    // 3: drain
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const backlog: number[] = [];
    const sampler = setInterval(() => void notifications.store.backlog().then((rows) => backlog.push(rows.reduce((n, b) => n + b.count, 0))), 500);
    t = performance.now();
    await notifications.start();
    while (channel.got.size < N) await new Promise((r) => setTimeout(r, 50));
    await notifications.dispatcher.idle();
    const drainMs = performance.now() - t;
    clearInterval(sampler);
    loop.disable();
    const duplicates = [...channel.got.values()].filter((n) => n > 1).length + Math.max(0, addedAgain);
    const sent = (db.prepare(`SELECT COUNT(*) FROM notification_outbox WHERE status = 'sent'`).pluck().get() as number) ?? 0;
    const maxLoopMs = loop.max / 1e6;
    log(`drain: ${sent} sent in ${(drainMs / 1000).toFixed(1)} s (${Math.round(N / (drainMs / 1000))}/s) with concurrency ${CONCURRENCY}`);
    log(`backlog samples (every 0.5 s): ${backlog.slice(0, 12).join(', ')}${backlog.length > 12 ? ', …' : ''}`);
    log(`event loop delay while draining: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${maxLoopMs.toFixed(1)} ms`);
    log(`duplicates (keys sent more than once, rows added twice): ${duplicates}`);
    log(
      `RESULT ${JSON.stringify({
        messages: N,
        enqueue_ms: Math.round(enqueueMs),
        enqueue_max_block_ms: Math.round(enqueueBlockMs),
        reenqueue_ms: Math.round(reenqueueMs),
        drain_per_s: Math.round(N / (drainMs / 1000)),
        max_loop_delay_ms: Math.round(maxLoopMs),
        duplicates,
      })}`,
    );
  } finally {
    await notifications.stop();
    await bus.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
