import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { openCloudDatabase } from '../db/database.js';
import { postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from '../db/query/index.js';
import type { NewOutboxMessage } from './channel.js';
import { OutboxStore } from './outbox.js';
import { insertPlaces } from '../../../test-support/places.js';

/*
 * The outbox store on both databases: what the dispatcher and the admins rely on, and that two
 * cloud processes sharing one database never claim one message twice.
 */

const T0 = Date.UTC(2026, 11, 7, 8);

const message = (n: number, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  channel: 'zalo',
  idempotencyKey: `alert.started:alr_${n}:follower-${n}`,
  recipient: `follower-${n}`,
  subject: `alert:alr_${n % 2}`,
  event: 'alert.started',
  content: { title: 'Cảnh báo khẩn cấp', body: `Tin số ${n}`, path: `/thong-bao/${n}` },
  data: { n },
  ...extra,
});

/** Two communes; the subject `alert:alr_1` is vi-thuy's, every other one the province's. */
async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân' },
    { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy' },
  ]);
}
const communeOf = (subject: string) => (subject === 'alert:alr_1' ? 'vi-thuy' : null);

/** A second connection to the same database: what another cloud process has. */
function secondConnection(q: TestDatabase): QueryDatabase {
  return q.dialect === 'postgres' ? postgresQueryDatabase(q.address) : sqliteQueryDatabase(openCloudDatabase(q.address));
}

forEachDatabase('the notifications outbox store', (get) => {
  let now = T0;
  const store = (q: QueryDatabase = get()) => new OutboxStore(q, communeOf, () => now);

  it('stores each idempotency key once, with its commune from the channel or the subject', async () => {
    now = T0;
    await seed(get());
    const s = store();
    expect(await s.enqueue([message(1), message(2), message(1), message(3, { communeCode: 'vi-tan' })])).toBe(3);
    expect(await s.enqueue([message(1), message(2), message(4)])).toBe(1);
    expect(await s.enqueue([])).toBe(0);
    const { items, total } = await s.page({}, 10, 0);
    expect(total).toBe(4);
    expect(items.map((d) => [d.recipient, d.communeCode, d.status, d.attempts])).toEqual([
      ['follower-4', null, 'queued', 0],
      ['follower-3', 'vi-tan', 'queued', 0],
      ['follower-2', null, 'queued', 0],
      ['follower-1', 'vi-thuy', 'queued', 0],
    ]);
    expect(items[3]!.content).toEqual(message(1).content);
    expect((await s.page({ communeCode: 'vi-thuy' }, 10, 0)).items.map((d) => d.recipient)).toEqual(['follower-1']);
    expect(await s.backlog()).toEqual([{ channel: 'zalo', status: 'queued', count: 4 }]);
  });

  it('claims only due messages of the channel, oldest due first, up to the limit, each once', async () => {
    now = T0;
    await seed(get());
    const s = store();
    await s.enqueue([message(1), message(2, { notBefore: T0 + 60_000 }), message(3), message(4, { channel: 'webpush' })]);
    const claimed = await s.claimDue('zalo', 10, 30_000);
    expect(claimed.map((m) => [m.recipient, m.attempts, m.data])).toEqual([
      ['follower-1', 0, { n: 1 }],
      ['follower-3', 0, { n: 3 }],
    ]);
    expect(await s.claimDue('zalo', 10, 30_000)).toEqual([]);
    expect(await s.nextDueAt('zalo')).toBe(T0 + 60_000);
    expect(await s.claimDue('zalo', 0, 30_000)).toEqual([]);
    now = T0 + 60_000;
    expect((await s.claimDue('zalo', 1, 30_000)).map((m) => m.recipient)).toEqual(['follower-2']);
    expect(await s.nextDueAt('zalo')).toBeNull();
    expect((await s.backlog()).sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { channel: 'webpush', status: 'queued', count: 1 },
      { channel: 'zalo', status: 'sending', count: 3 },
    ]);
  });

  it('two processes claiming at once get different messages, together every one, none twice', { timeout: 30_000 }, async () => {
    now = T0;
    const q = get();
    await seed(q);
    const other = secondConnection(q);
    try {
      const a = store(q);
      const b = store(other);
      await a.enqueue(Array.from({ length: 40 }, (_, i) => message(i)));
      // one moment: both claim 10 of the 40 due
      const [first, second] = await Promise.all([a.claimDue('zalo', 10, 30_000), b.claimDue('zalo', 10, 30_000)]);
      const ids = [...first, ...second].map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      // PostgreSQL: SKIP LOCKED passes over the rows the other claim holds, so both get a full batch
      expect(first.length + second.length).toBe(20);
      // then both drain the rest in small claims, interleaved
      const drain = async (s: OutboxStore) => {
        const got: number[] = [];
        for (let batch = await s.claimDue('zalo', 3, 30_000); batch.length > 0; batch = await s.claimDue('zalo', 3, 30_000)) got.push(...batch.map((m) => m.id));
        return got;
      };
      const [restA, restB] = await Promise.all([drain(a), drain(b)]);
      const all = [...ids, ...restA, ...restB];
      expect(all.length).toBe(40);
      expect(new Set(all).size).toBe(40);
      const attempts = await q.db.selectFrom('notification_outbox').select('attempts').execute();
      expect(attempts.every((r) => r.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('records a retry with its reason and next time, a give-up (dead letter) kept for the admins, and a retry-now of it', async () => {
    now = T0;
    await seed(get());
    const s = store();
    await s.enqueue([message(1), message(2)]);
    const [one, two] = await s.claimDue('zalo', 2, 30_000);
    await s.recordRetry(one!.id, 120.4, 'HTTP 503', T0 + 5000);
    await s.recordFailed(two!.id, 80, 'the follower blocked the OA');
    expect(await s.get(one!.id)).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: T0 + 5000, lastError: 'HTTP 503' });
    expect((await s.get(one!.id))!.history).toEqual([{ at: T0, outcome: 'retry', reason: 'HTTP 503', durationMs: 120 }]);
    expect(await s.claimDue('zalo', 10, 30_000)).toEqual([]); // not due yet
    now = T0 + 5000;
    const [again] = await s.claimDue('zalo', 10, 30_000);
    expect([again!.id, again!.attempts]).toEqual([one!.id, 1]);
    await s.recordSent(again!.id, 40, 'msg-9');
    expect(await s.get(one!.id)).toMatchObject({ status: 'sent', sentAt: T0 + 5000, providerId: 'msg-9', lastError: null, attempts: 2 });

    expect(await s.get(two!.id)).toMatchObject({ status: 'failed', lastError: 'the follower blocked the OA', nextAttemptAt: null });
    expect((await s.page({ status: 'failed' }, 10, 0)).items.map((d) => d.id)).toEqual([two!.id]);
    expect(await s.retryNow(two!.id)).toBe('queued');
    expect(await s.retryNow(two!.id)).toBe('not_failed');
    expect(await s.retryNow(9999)).toBe('not_found');
    const [retried] = await s.claimDue('zalo', 10, 30_000);
    expect([retried!.id, retried!.attempts]).toEqual([two!.id, 1]);
    expect(await s.reach('alert:alr_1')).toEqual([{ channel: 'zalo', queued: 0, sending: 0, sent: 1, failed: 0, firstSentAt: T0 + 5000, lastSentAt: T0 + 5000 }]);
    expect(await s.reach('alert:alr_0')).toEqual([{ channel: 'zalo', queued: 0, sending: 1, sent: 0, failed: 0, firstSentAt: null, lastSentAt: null }]);
    expect(await s.reach('alert:alr_1', 'vi-tan')).toEqual([]);
  });

  it('puts back a message whose claim lease ran out (its process died during the send), once, and not before', async () => {
    now = T0;
    await seed(get());
    const s = store();
    await s.enqueue([message(1)]);
    const [claimed] = await s.claimDue('zalo', 1, 10_000);
    now = T0 + 9_999;
    expect(await s.recoverInterrupted()).toBe(0); // its process may still be sending
    expect((await s.get(claimed!.id))!.status).toBe('sending');
    now = T0 + 10_001;
    const other = store(get());
    const recovered = await Promise.all([s.recoverInterrupted(), other.recoverInterrupted()]);
    expect(recovered[0] + recovered[1]).toBe(1);
    const row = (await s.get(claimed!.id))!;
    expect(row).toMatchObject({ status: 'queued', nextAttemptAt: T0 + 10_001, attempts: 1 });
    expect(row.history.map((a) => a.outcome)).toEqual(['interrupted']);
    const [again] = await s.claimDue('zalo', 1, 10_000);
    expect(again).toMatchObject({ id: claimed!.id, attempts: 1 });
  });

  it('makes a channel\'s waiting messages due now, lists its channels and purges old finished ones', async () => {
    now = T0;
    await seed(get());
    const s = store();
    await s.enqueue([message(1, { notBefore: T0 + 3_600_000 }), message(2, { channel: 'webpush' }), message(3)]);
    expect(await s.dueNow('zalo')).toBe(1);
    expect(await s.nextDueAt('zalo')).toBe(T0);
    expect(await s.channelNames()).toEqual(['webpush', 'zalo']);
    const [sent] = await s.claimDue('webpush', 1, 30_000);
    await s.recordSent(sent!.id, 10, undefined);
    expect(await s.purge(T0)).toBe(0);
    expect(await s.purge(T0 + 1)).toBe(1); // only the sent one: the queued stay
    expect(await s.channelNames()).toEqual(['zalo']);
    expect(await get().db.selectFrom('notification_attempts').select('id').execute()).toEqual([]); // its attempts went with it
    expect(await s.subjectCommune('alert:alr_1')).toBe('vi-thuy');
  });
});
