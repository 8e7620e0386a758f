import { silentLogger } from '@smart-commune/shared/runtime';
import { beforeEach, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { ApiError } from '../../http/errors.js';
import { createCloudMetrics } from '../../metrics.js';
import { FeedLedger } from './feed-ledger.js';
import { drainFeed, type CapReceipt, type FeedPollDeps } from './feed-poll.js';
import { FeedStore } from './feed-store.js';

/**
 * The outcomes the alert rules can give, one per message, in the shape the alert service answers
 * with (an alert, or an alert held for an operator once the rules of issue 16 hold some): the
 * ledger records each as the rules decided it.
 */
forEachDatabase('passing a feed\'s messages to the alert rules', (get) => {
  let feeds: FeedStore;
  let ledger: FeedLedger;
  let feedId: string;
  let answers: Map<string, () => CapReceipt>;
  let received: { xml: string; source: unknown }[];
  const deps = (): FeedPollDeps => ({
    ledger,
    receiver: {
      receiveCap: async (xml, _createdBy, options) => {
        received.push({ xml, source: options?.source });
        return answers.get(xml)!();
      },
    },
    metrics: createCloudMetrics(),
    logger: silentLogger(),
    timeoutMs: 1000,
    now: Date.now,
    retryDelayMs: () => 60_000,
  });
  const queue = (key: string) => ledger.add({ key, feedId, url: key, cap: null, appearedAt: Date.now(), xml: key }, Date.now());

  beforeEach(async () => {
    feeds = new FeedStore(get());
    ledger = new FeedLedger(get());
    feedId = (await feeds.add({ name: 'KTTV', url: 'https://kttv.example/feed', enabled: true, pollEverySeconds: null, createdBy: null }, Date.now())).id;
    answers = new Map();
    received = [];
  });

  it('records an alert taken, one held for an operator, one refused, in the feed\'s order and with the feed named as the source', async () => {
    answers.set('a', () => ({ kind: 'alert', alert: { id: 'alr_a' }, created: true }));
    answers.set('h', () => ({ kind: 'held', held: { id: 'hld_h' }, created: true }));
    answers.set('r', () => {
      throw new ApiError(422, 'not_played', 'the CAP message is stale');
    });
    for (const key of ['a', 'h', 'r']) await queue(key);
    await drainFeed(feedId, deps(), new AbortController().signal);

    expect(received).toEqual(['a', 'h', 'r'].map((xml) => ({ xml, source: { kind: 'feed', feedId } })));
    const byKey = new Map((await ledger.list(feedId, { limit: 10 })).map((m) => [m.key, m]));
    expect(byKey.get('a')).toMatchObject({ state: 'taken', alertId: 'alr_a', heldId: null, reason: null });
    expect(byKey.get('h')).toMatchObject({ state: 'held', alertId: null, heldId: 'hld_h' });
    expect(byKey.get('r')).toMatchObject({ state: 'refused', reason: 'not_played: the CAP message is stale', attempts: 1 });
    expect(await feeds.get(feedId)).toMatchObject({ messagesTaken: 2, messagesHeld: 1, messagesRefused: 1 });
    expect(await ledger.pending(feedId)).toEqual([]);
  });

  it('postpones a message whose speech failed and keeps the later ones behind it until it is due again', async () => {
    answers.set('a', () => {
      throw new ApiError(502, 'speech_failed', 'the alert could not be spoken');
    });
    answers.set('c', () => ({ kind: 'alert', alert: { id: 'alr_a' }, created: false }));
    await queue('a');
    await queue('c');
    await drainFeed(feedId, deps(), new AbortController().signal);
    await drainFeed(feedId, deps(), new AbortController().signal); // not due yet: nothing is tried
    expect(received.map((r) => r.xml)).toEqual(['a']);
    expect((await ledger.pending(feedId)).map((m) => [m.key, m.attempts, m.reason])).toEqual([
      ['a', 1, 'speech_failed: the alert could not be spoken'],
      ['c', 0, null],
    ]);
  });

  it('stores a message once by its key, numbers messages in order, and keeps a CAP message met at another address as a duplicate', async () => {
    const cap = { identifier: 'id-1', sender: 'kttv', sent: 1000 };
    const message = (key: string) => ({ key, feedId, url: key, cap, appearedAt: 1, xml: `<alert>${key}</alert>` });
    // two processes meeting the same entry at once: exactly one stores it
    const outcomes = await Promise.all([ledger.add(message('u1'), 5), ledger.add(message('u1'), 5)]);
    expect(outcomes.filter((o) => o === 'pending')).toHaveLength(1);
    expect(outcomes.filter((o) => o === null)).toHaveLength(1);
    expect(await ledger.add(message('u2'), 6)).toBe('duplicate');
    expect(await ledger.addRefused({ key: 'u3', feedId, url: 'u3', cap: null, appearedAt: 1 }, 'too large', 7)).toBe(true);
    expect(await ledger.addRefused({ key: 'u3', feedId, url: 'u3', cap: null, appearedAt: 1 }, 'too large', 7)).toBe(false);
    expect(await ledger.knows('u2')).toBe(true);
    expect(await ledger.knows('u9')).toBe(false);
    const listed = await ledger.list(feedId, { limit: 10 });
    expect(listed.map((m) => [m.key, m.state])).toEqual([['u3', 'refused'], ['u2', 'duplicate'], ['u1', 'pending']]);
    expect(listed[0]!.seq).toBeGreaterThan(listed[1]!.seq);
    expect((await ledger.list(feedId, { limit: 10, state: 'duplicate' }))[0]).toMatchObject({ key: 'u2', reason: 'already met as u1' });
  });

  it('lets one drain claim a waiting message: a second claim, or a second process draining at once, does not pass it to the rules again', async () => {
    answers.set('a', () => ({ kind: 'alert', alert: { id: 'alr_a' }, created: true }));
    await queue('a');
    const [pending] = await ledger.pending(feedId);
    const now = Date.now();
    expect((await Promise.all([ledger.claim(pending!.seq, now), ledger.claim(pending!.seq, now)])).sort()).toEqual([false, true]);
    // claimed (the lease holds it) by another: this drain leaves it
    await drainFeed(feedId, deps(), new AbortController().signal);
    expect(received).toEqual([]);
  });

  it('keeps the failure count and validators of a feed, restarts the count when it is enabled again, and refuses the same address twice', async () => {
    await feeds.pollFailed(feedId, 100, 'HTTP 500');
    expect(await feeds.pollFailed(feedId, 200, 'HTTP 502')).toMatchObject({ consecutiveFailures: 2, failingSince: 100, lastError: 'HTTP 502', lastErrorAt: 200 });
    await feeds.update(feedId, { enabled: false });
    expect(await feeds.update(feedId, { enabled: true, name: 'KTTV 2' })).toMatchObject({ enabled: true, name: 'KTTV 2', consecutiveFailures: 0, failingSince: null });
    await feeds.pollSucceeded(feedId, 300, { etag: '"v1"', lastModified: null });
    await feeds.pollSucceeded(feedId, 400, null);
    expect(await feeds.get(feedId)).toMatchObject({ etag: '"v1"', lastSuccessAt: 400, consecutiveFailures: 0 });
    await expect(feeds.add({ name: 'again', url: 'https://kttv.example/feed', enabled: true, pollEverySeconds: null, createdBy: null }, 1)).rejects.toMatchObject({ status: 409 });
    expect((await feeds.list()).map((f) => f.id)).toEqual([feedId]);
    await feeds.delete(feedId);
    await expect(feeds.delete(feedId)).rejects.toMatchObject({ status: 404 });
  });
});
